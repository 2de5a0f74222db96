package audit_test

import (
	"os"
	"path/filepath"
	"strings"
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

// RecordAll appends every event as its own line, in order, whole lines
// even when they take several writes and another writer appends at the
// same time.
func TestRecordAllAppendsWholeLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l := audit.Open(path, func(err error) { t.Error(err) })
	other := audit.Open(path, func(err error) { t.Error(err) })
	const n = 3000 // several writes' worth
	evs := make([]audit.Event, n)
	for i := range evs {
		evs[i] = audit.Event{Actor: "alice", Remote: "local", Action: audit.ActionDelete, Target: "acme/data/" + strings.Repeat("x", 40), Result: audit.ResultOK, Bytes: int64(i)}
	}
	var wg sync.WaitGroup
	wg.Go(func() { audit.RecordAll(l, evs) })
	wg.Go(func() {
		for range 200 {
			other.Record(audit.Event{Actor: "bob", Action: audit.ActionUpload, Result: audit.ResultOK, Bytes: -1})
		}
	})
	wg.Wait()
	got, err := audit.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	next := int64(0)
	bobs := 0
	for _, ev := range got {
		switch ev.Actor {
		case "bob":
			bobs++
		case "alice":
			if ev.Bytes != next || ev.Time.IsZero() {
				t.Fatalf("event %+v, want bytes %d and a time", ev, next)
			}
			next++
		}
	}
	if next != n || bobs != 200 {
		t.Errorf("%d of alice's events and %d of bob's, want %d and 200", next, bobs, n)
	}
}
