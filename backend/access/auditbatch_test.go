package access_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
)

// batchStore deletes in batches, one object at a time underneath.
type batchStore struct{ backend.Store }

func (b batchStore) DeleteObjects(ctx context.Context, repo backend.RepoRef, entries []backend.Entry) (map[string]error, error) {
	failed := map[string]error{}
	for _, e := range entries {
		if err := b.DeleteObject(ctx, repo, e.Path); err != nil {
			failed[e.Path] = err
		}
	}
	return failed, nil
}

// batchCounter counts the calls of each kind a recorder gets.
type batchCounter struct {
	mu      sync.Mutex
	singles int
	batches int
	events  []audit.Event
}

func (c *batchCounter) Record(ev audit.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.singles++
	c.events = append(c.events, ev)
}

func (c *batchCounter) RecordAll(evs []audit.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batches++
	c.events = append(c.events, evs...)
}

// A batch delete records each object's deletion, and a failed one as
// failed, in one call to the recorder (one write to the audit log), not a
// call per object: a recursive delete of 10,000 objects made 10,000
// writes.
func TestBatchDeleteRecordsOnce(t *testing.T) {
	base := newLocal(t)
	ctx := t.Context()
	ref := backend.RepoRef{AccountID: "acme", RepositoryID: "data"}
	if err := base.CreateAccount(ctx, backend.Account{ID: ref.AccountID, Type: backend.AccountOrganization}); err != nil {
		t.Fatal(err)
	}
	if err := base.CreateRepository(ctx, backend.Repository{ID: ref.RepositoryID, AccountID: ref.AccountID}); err != nil {
		t.Fatal(err)
	}
	var entries []backend.Entry
	for i := range 20 {
		p := fmt.Sprintf("d/f%02d.txt", i)
		if i < 19 { // the last is missing: its delete fails
			if _, err := base.PutObject(ctx, ref, p, strings.NewReader("x"), 1); err != nil {
				t.Fatal(err)
			}
		}
		entries = append(entries, backend.Entry{Path: p, Name: filepath.Base(p), Type: backend.TypeFile})
	}
	rec := &batchCounter{}
	s := access.New(batchStore{base}, access.Owner("test"), access.WithAudit(rec))
	failed, err := backend.DeleteBatch(ctx, s, ref, entries)
	if err != nil || len(failed) != 1 {
		t.Fatalf("DeleteBatch: %v failed, %v; want the missing one failed", failed, err)
	}
	if rec.batches != 1 || rec.singles != 0 || len(rec.events) != 20 {
		t.Fatalf("%d batch and %d single calls, %d events; want 1 batch of 20 events", rec.batches, rec.singles, len(rec.events))
	}
	for i, ev := range rec.events {
		want := audit.ResultOK
		if i == 19 {
			want = audit.ResultNotFound
		}
		if ev.Action != audit.ActionDelete || ev.Target != "acme/data/"+entries[i].Path || ev.Result != want {
			t.Errorf("event %d: %+v, want the delete of %s, %s", i, ev, entries[i].Path, want)
		}
	}
}
