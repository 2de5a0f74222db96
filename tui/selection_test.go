package tui

import (
	"slices"
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/humanize"
)

func markedPaths(h *harness) []string {
	var out []string
	for p := range h.m.tree.marks.m {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// A marks every row shown, I inverts, V marks from the last entry
// marked to the selected one; the status line says where the cursor is
// and what is marked.
func TestSelectionTools(t *testing.T) {
	h, _, _ := xferHarness(t)
	h.mustShow("row 1 of 3 · 3 entries at top level")
	h.press("A")
	if got := markedPaths(h); !slices.Equal(got, []string{"README.md", "raw", "zeta.txt"}) {
		t.Fatalf("A marked %v", got)
	}
	h.mustShow("marked 3 more entries (every one of the rows shown)")
	h.press("down") // the note goes with the next key
	h.mustShow("row 2 of 3", "marked: 2 files (1.2 KiB), 1 folder")
	h.press("up")
	h.press("I")
	if got := markedPaths(h); len(got) != 0 {
		t.Fatalf("I left %v", got)
	}
	h.send(spaceKey) // README.md, the cursor goes to raw
	h.press("down")
	h.mustShow("row 3 of 3")
	h.press("V")
	if got := markedPaths(h); !slices.Equal(got, []string{"README.md", "raw", "zeta.txt"}) {
		t.Fatalf("V marked %v", got)
	}
	h.press("I")
	h.press("up", "V") // no anchor now but zeta.txt: raw and zeta.txt
	if got := markedPaths(h); !slices.Equal(got, []string{"raw", "zeta.txt"}) {
		t.Fatalf("second V marked %v", got)
	}
}

// With a filter, A marks its matches and nothing else; I inverts among
// them, keeping marks elsewhere.
func TestMarkFilterMatches(t *testing.T) {
	h, _, _ := xferHarness(t)
	h.press("down", "enter") // expand raw
	h.settle()
	h.press("up")
	h.send(spaceKey) // mark README.md
	h.press("/")
	h.typeText("csv")
	h.settle()
	h.press("enter")
	h.press("A")
	if got := markedPaths(h); !slices.Equal(got, []string{"README.md", "raw/a.csv", "raw/b.csv"}) {
		t.Fatalf("A with a filter marked %v", got)
	}
	h.press("I")
	if got := markedPaths(h); !slices.Equal(got, []string{"README.md"}) {
		t.Fatalf("I with a filter left %v", got)
	}
}

// Over SSH (no transfers) the marking keys say why they do nothing.
func TestSelectionToolsNeedTransfers(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{StartAt: "acme/data"})
	h.settle()
	h.press("A")
	if !h.errShown() || h.m.tree.marks.len() != 0 {
		t.Fatalf("A without transfers: error %v, marks %v", h.errShown(), h.m.tree.marks.m)
	}
}

// A on a long list marks in a command: Update answers at once and keys
// move meanwhile; a mark changed meanwhile makes it mark again from the
// marks as they are then; the status line's totals are every file's.
// I on a long list inverts in a command the same way.
func TestMarkAllLargeFolderInCommand(t *testing.T) {
	const n = markInUpdate + 1000
	s := newTestStore(1000)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	s.Synthesize(acme, "", n)
	h := newHarness(t, s, Options{StartAt: "acme/data", Transfers: &fakeTransfers{}})
	h.settle()
	h.press("A")
	if h.m.tree.marks.len() != 0 || len(h.queue) == 0 || !h.m.busy() {
		t.Fatalf("A on %d rows: %d marked in Update, %d commands, busy %v", n, h.m.tree.marks.len(), len(h.queue), h.m.busy())
	}
	queued := h.queue
	h.queue = nil
	h.press("down", " ") // marks the second row while the command runs
	if h.selectedPath() != "file-0000002.dat" || h.m.tree.marks.len() != 1 {
		t.Fatalf("keys meanwhile: selected %q, %d marked", h.selectedPath(), h.m.tree.marks.len())
	}
	for _, cmd := range queued {
		h.deliver(cmd())
	}
	h.settle()
	var size int64
	for i := range int64(n) {
		size += i // file-N holds N bytes
	}
	if h.m.tree.marks.len() != n || h.m.busy() {
		t.Fatalf("%d marked, busy %v; want %d", h.m.tree.marks.len(), h.m.busy(), n)
	}
	h.mustShow("marked " + humanize.Count(n-1) + " more entries")
	h.press("down")
	h.mustShow("marked: " + humanize.Count(n) + " files (" + humanize.Bytes(size) + ")")
	h.press(" ") // unmarks one: the totals follow
	h.mustShow("marked: " + humanize.Count(n-1) + " files (" + humanize.Bytes(size-3) + ")")

	// I inverts in a command too: only the file unmarked is left marked.
	h.press("I")
	if h.m.tree.marks.len() != n-1 || len(h.queue) == 0 {
		t.Fatalf("I on %d rows: %d marked in Update, %d commands", n, h.m.tree.marks.len(), len(h.queue))
	}
	h.settle()
	if got := markedPaths(h); !slices.Equal(got, []string{"file-0000003.dat"}) {
		t.Fatalf("after I: %d marked (%.3v)", len(got), got)
	}
	h.press("down")
	h.mustShow("marked: 1 file (3 B)")
}

// V over a long range marks in a command as A does.
func TestMarkRangeLargeInCommand(t *testing.T) {
	const n = markInUpdate + 1000
	s := newTestStore(1000)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	s.Synthesize(acme, "", n)
	h := newHarness(t, s, Options{StartAt: "acme/data", Transfers: &fakeTransfers{}})
	h.settle()
	h.press("down", " ", "G") // the anchor on row 2, then the last row
	h.settle()
	h.press("V")
	if h.m.tree.marks.len() != 1 || len(h.queue) == 0 {
		t.Fatalf("V over %d rows: %d marked in Update, %d commands", n-1, h.m.tree.marks.len(), len(h.queue))
	}
	h.settle()
	if got := h.m.tree.marks.len(); got != n-1 || h.m.tree.marks.has("file-0000000.dat") {
		t.Fatalf("after V: %d marked, the first row %v; want %d, not the first", got, h.m.tree.marks.has("file-0000000.dat"), n-1)
	}
	h.mustShow("marked " + humanize.Count(n-2) + " more entries")
}
