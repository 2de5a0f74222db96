package audit_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/coopterm/coop/audit"
)

func TestLogAppendsOneLinePerEvent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "audit.log")
	l := audit.Open(path, func(err error) { t.Error(err) })
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the log exists before any event: %v", err)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			l.Record(audit.Event{Actor: "alice", Remote: "local", Action: audit.ActionUpload, Target: "a/b/c", Result: audit.ResultOK, Bytes: int64(i)})
		})
	}
	wg.Wait()
	// A second writer (another process would do the same) appends too.
	l2 := audit.Open(path, nil)
	l2.Record(audit.Event{Actor: "anonymous", Action: audit.ActionLogin, Result: audit.ResultDenied})
	evs, err := audit.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 51 {
		t.Fatalf("%d events, want 51", len(evs))
	}
	seen := map[int64]bool{}
	for _, ev := range evs[:50] {
		seen[ev.Bytes] = true
		if ev.Time.IsZero() || ev.Actor != "alice" {
			t.Errorf("event %+v", ev)
		}
	}
	if len(seen) != 50 || evs[50].Actor != "anonymous" {
		t.Errorf("events lost or mixed: %d distinct, last %+v", len(seen), evs[50])
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("log mode %v, %v; want 0600", st.Mode(), err)
	}
	_ = l.Close()
	_ = l2.Close()
}

func TestLogReportsUnwritableFile(t *testing.T) {
	var got error
	l := audit.Open(filepath.Join(t.TempDir(), "no", "\x00bad"), func(err error) { got = err })
	l.Record(audit.Event{Action: audit.ActionLogin})
	if got == nil {
		t.Error("an unwritable audit log was not reported")
	}
}
