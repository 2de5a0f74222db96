package tui

import (
	"slices"
	"testing"
)

func markedPaths(h *harness) []string {
	var out []string
	for p := range h.m.tree.marks {
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
	if !h.errShown() || len(h.m.tree.marks) != 0 {
		t.Fatalf("A without transfers: error %v, marks %v", h.errShown(), h.m.tree.marks)
	}
}
