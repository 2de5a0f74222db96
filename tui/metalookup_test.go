package tui

import (
	"fmt"
	"testing"

	"github.com/coopterm/coop/backend"
)

// neighbourStore is a folder of n files, f-0000 to f-(n-1), with a
// metadata entry for every even one; gone entries for files no longer
// listed are written between them (g-0000… sort after f-, so they are
// read by the pages but never selected; with interleave they are named
// f-0000x and fall inside the windows).
func neighbourStore(n, gone int, interleave bool) *testStore {
	s := newTestStore(100)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	objs := map[string]backend.ObjectMeta{}
	for i := range n {
		p := fmt.Sprintf("many/f-%04d", i)
		s.AddFile(acme, p, int64(i))
		if i%2 == 0 {
			objs[p] = backend.ObjectMeta{ID: fmt.Sprintf("id-%04d", i), Type: backend.TypeFile, Size: int64(i)}
		}
	}
	for i := range gone {
		p := fmt.Sprintf("many/g-%04d", i)
		if interleave {
			p = fmt.Sprintf("many/f-%04dx", i)
		}
		objs[p] = backend.ObjectMeta{ID: "gone", Type: backend.TypeFile}
	}
	s.SetMetadata(acme, backend.SourceMetadata{Objects: objs}, nil)
	return s
}

// walkPreviews moves down the folder row by row, checking each file's
// preview against its entry, and returns the metadata lookups made.
func walkPreviews(t *testing.T, h *harness, rows int) int {
	t.Helper()
	calls := func() int { return h.m.c.src.(interface{ Calls(string) int }).Calls("meta acme/data") }
	h.settle()
	before := calls()
	for i := range rows {
		want := fmt.Sprintf("many/f-%04d", i)
		if got := h.selectedPath(); got != want {
			t.Fatalf("row %d: selected %q", i, got)
		}
		if i%2 == 0 {
			h.mustShow(fmt.Sprintf("id         id-%04d", i))
		} else {
			h.mustShow("no metadata entry for this path")
		}
		h.press("down")
		h.settle()
	}
	return calls() - before
}

// Each selection used to send a lookup of its own; a folder lookup
// brings the entries of the files around it, so walking 300 rows asks
// twice, not 300 times.
func TestPreviewLooksUpNeighboursTogether(t *testing.T) {
	h := newHarness(t, neighbourStore(400, 0, false), Options{StartAt: "acme/data/many/f-0000"})
	if n := walkPreviews(t, h, 300); n > 3 {
		t.Fatalf("%d metadata lookups for 300 rows", n)
	}
}

// A page that ends before some of the files asked for (entries of files
// gone since fill it) leaves them to be looked up alone: every preview
// is still right, and no file is said to have no entry when it has one.
func TestPreviewNeighbourPageEndsEarly(t *testing.T) {
	h := newHarness(t, neighbourStore(300, 200, true), Options{StartAt: "acme/data/many/f-0000"})
	n := walkPreviews(t, h, 300)
	if n < 3 || n > 300 {
		t.Fatalf("%d metadata lookups for 300 rows", n)
	}
}

// A failed folder lookup shows its error in the preview, as a lone one
// did.
func TestPreviewNeighbourLookupFails(t *testing.T) {
	s := neighbourStore(10, 0, false)
	s.SetMetadata(acme, backend.SourceMetadata{}, fmt.Errorf("boom: %w", backend.ErrMetadataMissing))
	h := newHarness(t, s, Options{StartAt: "acme/data/many/f-0001"})
	h.settle()
	h.mustShow("metadata missing: boom")
	h.press("down")
	h.settle()
	h.mustShow("metadata missing: boom")
}
