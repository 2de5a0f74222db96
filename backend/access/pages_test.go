package access_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
)

// walkingStore is a gatedStore that walks (an ObjectWalker, as the AWS
// store is) and says when a walk or a metadata read reaches it.
type walkingStore struct {
	*gatedStore
}

func (w walkingStore) WalkObjects(ctx context.Context, repo backend.RepoRef, folder string, fn func([]backend.Entry) error) error {
	w.reads <- "walk"
	return backend.Walk(ctx, w.Store, repo, folder, fn)
}

func (w walkingStore) ReadMetadata(ctx context.Context, repo backend.RepoRef, folder string, fn func([]backend.MetadataEntry) error) (backend.MetadataHead, error) {
	w.reads <- "metadata"
	return w.Store.ReadMetadata(ctx, repo, folder, fn)
}

// newWalking is newGated with a.csv recorded in the metadata.
func newWalking(t *testing.T, visibility backend.Visibility) (walkingStore, backend.RepoRef) {
	t.Helper()
	g, ref := newGated(t, visibility)
	info, err := g.Store.StatObject(t.Context(), ref, "a.csv")
	if err != nil {
		t.Fatal(err)
	}
	b := backend.NewMetadataBatch(time.Now())
	b.Stored(info)
	if _, err := g.UpdateMetadata(t.Context(), ref, b); err != nil {
		t.Fatal(err)
	}
	return walkingStore{g}, ref
}

// A walk and a metadata read start while the caller's access is
// checked (a round trip saved, as for a single read), but hand no page
// over before the check has passed.
func TestPagedReadsDoNotWaitForTheCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		read func(s *access.Store, ref backend.RepoRef, gotPage func()) error
	}{
		{"walk", func(s *access.Store, ref backend.RepoRef, gotPage func()) error {
			return backend.Walk(t.Context(), s, ref, "", func([]backend.Entry) error { gotPage(); return nil })
		}},
		{"metadata", func(s *access.Store, ref backend.RepoRef, gotPage func()) error {
			_, err := s.ReadMetadata(t.Context(), ref, "", func([]backend.MetadataEntry) error { gotPage(); return nil })
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, ref := newWalking(t, backend.VisibilityPublic)
			s := access.New(w, access.Anonymous("test"))
			var opened, early atomic.Bool
			pages := atomic.Int32{}
			done := make(chan error, 1)
			go func() {
				done <- tc.read(s, ref, func() {
					pages.Add(1)
					early.Store(early.Load() || !opened.Load())
				})
			}()
			waitRead(t, w.gatedStore, tc.name)
			// Time for a wrong walk to hand a page over before the check
			// passes (a right one cannot, however long this takes).
			time.Sleep(20 * time.Millisecond)
			opened.Store(true)
			close(w.gate)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if pages.Load() == 0 || early.Load() {
				t.Errorf("%d pages, one before the check passed: %v", pages.Load(), early.Load())
			}
		})
	}
}

// A walk or a metadata read the caller may not make hands over nothing
// and answers as for a missing repository.
func TestRefusedPagedReadGivesNothing(t *testing.T) {
	w, ref := newWalking(t, backend.VisibilityPrivate)
	s := access.New(w, access.Anonymous("test"))
	close(w.gate)
	pages := 0
	err := backend.Walk(t.Context(), s, ref, "", func([]backend.Entry) error { pages++; return nil })
	if !errors.Is(err, backend.ErrNotFound) || pages != 0 {
		t.Errorf("walk of a private repository as anonymous: %d pages, %v; want none and ErrNotFound", pages, err)
	}
	_, err = s.ReadMetadata(t.Context(), ref, "", func([]backend.MetadataEntry) error { pages++; return nil })
	if !errors.Is(err, backend.ErrNotFound) || pages != 0 || strings.Contains(err.Error(), "a.csv") {
		t.Errorf("metadata of a private repository as anonymous: %d pages, %v; want none and ErrNotFound", pages, err)
	}
}
