package transfer

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

// However many files move, a subscriber gets at most one Update per
// interval (20 a second), with totals that only grow, the end shown at
// once, and every affected folder named.
func TestUpdatesAreCoalesced(t *testing.T) {
	e := newLocal(t)
	src := t.TempDir()
	files := map[string][]byte{}
	for i := range 3000 {
		files[fmt.Sprintf("s%d/%04d", i%3, i)] = []byte(fmt.Sprint(i))
	}
	writeFiles(t, src, files)
	q := newQueue(t, e, Options{Workers: 16})
	sub := q.Subscribe()
	defer sub.Close()
	start := time.Now()
	if _, err := q.Submit(Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "p"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var updates int
	var last Totals
	affected := map[Affected]bool{}
	gaps := 0
	var prev time.Time
	for {
		u, err := sub.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		updates++
		// The end is shown at once; the rest are an interval apart, by
		// the clock the updates were made by (ours lags it by however
		// long this goroutine waited for a core).
		if gap := u.At.Sub(prev); gap < DefaultUpdateInterval && !u.Totals.Idle && updates > 1 {
			gaps++
			t.Logf("update %d came %v after the previous: %+v", updates, gap, u.Totals)
		}
		prev = u.At
		if u.Totals.Bytes < last.Bytes || u.Totals.Files < last.Files {
			t.Errorf("totals went back: %+v after %+v", u.Totals, last)
		}
		last = u.Totals
		for _, a := range u.Affected {
			affected[a] = true
		}
		if u.Totals.Idle {
			break
		}
	}
	took := time.Since(start)
	if max := int(took/DefaultUpdateInterval) + 3; updates > max {
		t.Errorf("%d updates in %v, want at most %d", updates, took, max)
	}
	if gaps > 0 {
		t.Errorf("%d updates came closer together than the interval", gaps)
	}
	if last.Files != 3000 || last.TotalFiles != 3000 || last.Done != 1 {
		t.Errorf("last totals: %+v", last)
	}
	for _, f := range []string{"", "p", "p/s0", "p/s1", "p/s2"} {
		if !affected[Affected{Repo: testRepo, Folder: f}] {
			t.Errorf("folder %q not reported as affected (got %v)", f, affected)
		}
	}
	t.Logf("%d updates for 3,000 files in %v", updates, took)
}

// While a job runs on, its finished files are recorded about once per
// metadata interval, not only at the end.
func TestMetadataIsWrittenWhileTheJobRuns(t *testing.T) {
	e := newLocal(t)
	src := t.TempDir()
	files := map[string][]byte{}
	for i := range 3000 {
		files[fmt.Sprintf("%04d", i)] = []byte(fmt.Sprint(i))
	}
	writeFiles(t, src, files)
	q := newQueue(t, e, Options{Workers: 1, MetadataInterval: 100 * time.Millisecond})
	// A first job leaves the repository's writer started and idle.
	wantState(t, q, run(t, q, Spec{Kind: UploadFile, Repo: testRepo, Local: filepath.Join(src, "0000"), Remote: "first"})[0], Done)
	id, err := q.Submit(Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "m"})
	if err != nil {
		t.Fatal(err)
	}
	j := waitFor(t, q, id, func(j Job) bool { return j.Files > 0 || j.State.Final() })
	if j.State.Final() {
		t.Fatalf("no file was recorded before the job ended: %+v", j)
	}
	md, err := backend.LoadMetadata(t.Context(), e.store, testRepo)
	if err != nil || len(md.Objects) == 0 {
		t.Fatalf("metadata mid-job: %d entries, %v", len(md.Objects), err)
	}
	waitFor(t, q, id, func(j Job) bool { return j.State.Final() })
	checkMetadata(t, e.store, testRepo)
}

// Only failures that may pass are tried again.
func TestTransient(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("put: %w", backend.ErrUnavailable), true},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true},
		{io.ErrUnexpectedEOF, true},
		{&os.PathError{Op: "write", Path: "f", Err: syscall.EFBIG}, false},
		{&os.PathError{Op: "write", Path: "f", Err: syscall.ENOSPC}, false},
		{fmt.Errorf("x: %w", backend.ErrNotFound), false},
		{fmt.Errorf("x: %w", backend.ErrUnauthorized), false},
		{context.Canceled, false},
		{ErrChanged, false},
		{fmt.Errorf("%w: %w", backend.ErrInvalid, io.ErrUnexpectedEOF), false},
	} {
		if got := transient(c.err); got != c.want {
			t.Errorf("transient(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
