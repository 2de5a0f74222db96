package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/internal/testservers"
)

// quiet waits until the trace has recorded no new request for a while,
// so that a measurement starts with nothing of the browser's in flight.
func quiet(t *testing.T, tr *testservers.Trace) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for n := -1; ; {
		time.Sleep(time.Second)
		if m := len(tr.Spans()); m == n {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("the browser kept making requests: %d", m)
		} else {
			n = m
		}
	}
}

// The browser at a distance: a folder's first rows are on screen within
// two round trips of enter, and a file's entry in the preview within two
// of moving onto it. Counted are the requests answered by the time the
// screen showed them.
func TestBrowserRoundTripsAtADistance(t *testing.T) {
	d, tm := browseDistantStore(t)
	for _, step := range []struct {
		what string
		keys []string
		want []string
	}{
		{"open the folder", []string{"Enter"}, []string{"x.csv"}},
		{"preview its file", []string{"j"}, []string{"text/csv", "sha256:"}},
	} {
		d.trace.Reset()
		tm.send(step.keys...)
		start := time.Now()
		for !allIn(tm.screen(), step.want) {
			if time.Since(start) > 30*time.Second {
				t.Fatalf("%s: the screen never showed %q:\n%s", step.what, step.want, tm.screen())
			}
			time.Sleep(10 * time.Millisecond)
		}
		shown := time.Now()
		rounds := d.trace.RoundsBy(shown)
		t.Logf("%s: shown after %v, %d round trips; all requests: %s", step.what, shown.Sub(start).Round(time.Millisecond), rounds, strings.Join(d.trace.Ops(), " "))
		if rounds > 2 {
			t.Errorf("%s: shown after %d round trips, want at most 2", step.what, rounds)
		}
		quiet(t, d.trace)
	}
	tm.send("q")
	tm.waitExit(t, 10*time.Second)
}

// browseDistantStore opens the browser on a distant store's acme/data,
// with the cursor on its folder sub/ and no request under way.
func browseDistantStore(t *testing.T) (*distantStore, *term) {
	t.Helper()
	d := newDistantStore(t)
	tm := startTerm(t, d.env, bin, "acme/data")
	tm.waitFor(30*time.Second, "a.csv", "sub")
	tm.send("j") // onto sub/
	quiet(t, d.trace)
	return d, tm
}

func allIn(s string, want []string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// Keys answer while a folder loads at a distance: with a round trip of
// 2 s, the help opens right after enter, long before the folder's
// listing can have come back, and the folder's rows follow behind it.
func TestBrowserKeysAnswerWhileAFolderLoads(t *testing.T) {
	d, tm := browseDistantStore(t)
	const slow = time.Second // one way
	d.s3.SetDelay(slow)
	d.dyn.SetDelay(slow)
	d.trace.Reset()
	start := time.Now()
	tm.send("Enter", "?")
	tm.waitFor(10*time.Second, "╭", "╰", "scroll")
	if took := time.Since(start); took >= 2*slow {
		t.Errorf("the help opened %v after enter, want it before the folder's first answer (a round trip, %v)", took.Round(time.Millisecond), 2*slow)
	}
	if n := len(d.trace.Spans()); n != 0 {
		t.Errorf("%d requests answered before the help opened, want none: %s", n, strings.Join(d.trace.Ops(), " "))
	}
	tm.send("Escape")
	tm.waitFor(30*time.Second, "x.csv")
	tm.send("q")
	tm.waitExit(t, 10*time.Second)
}
