package tui

import "testing"

// gotoOpen is the open go-to prompt, or nil.
func (h *harness) gotoOpen() *gotoPrompt { p, _ := find[*gotoPrompt](h.m.overlays); return p }

// : opens a prompt at the place shown; tab completes accounts,
// repositories and entries from the store; enter goes there, opening the
// folders above the entry.
func TestGotoCompletesAndGoes(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{})
	h.settle()
	h.press(":")
	p := h.gotoOpen()
	if p == nil || p.input.Value() != "" {
		t.Fatalf("prompt %v", p)
	}
	h.typeText("ac")
	h.press("tab")
	h.settle()
	if v := p.input.Value(); v != "acme/" {
		t.Fatalf("tab completed the account to %q", v)
	}
	h.press("tab")
	h.settle()
	h.mustShow("data/", "old/")
	h.typeText("d")
	h.press("tab")
	h.settle()
	h.typeText("raw/d")
	h.press("tab")
	h.settle()
	h.typeText("c")
	h.press("tab")
	h.settle()
	if v := p.input.Value(); v != "acme/data/raw/deep/c.bin" {
		t.Fatalf("completed to %q", v)
	}
	h.press("enter")
	h.settle()
	if h.gotoOpen() != nil || h.m.level != levelTree || h.selectedPath() != "raw/deep/c.bin" {
		t.Fatalf("after enter: prompt open %v, level %v, selected %q", h.gotoOpen() != nil, h.m.level, h.selectedPath())
	}
	h.mustShow("▾ raw/", "▾ deep/", "c.bin")

	// In the repository open, it starts at the selected entry's folder
	// and goes there in place.
	h.press(":")
	p = h.gotoOpen()
	if v := p.input.Value(); v != "acme/data/raw/deep/" {
		t.Fatalf("prompt starts at %q", v)
	}
	tree := h.m.tree
	h.press("ctrl+u")
	h.typeText("acme/data/zeta.txt")
	h.press("enter")
	h.settle()
	if h.m.tree != tree || h.selectedPath() != "zeta.txt" {
		t.Fatalf("same tree %v, selected %q", h.m.tree == tree, h.selectedPath())
	}
}

// A place that does not exist is said in the prompt, which stays open.
func TestGotoRefusesWhatDoesNotExist(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{StartAt: "acme/data"})
	h.settle()
	for _, in := range []string{"nobody", "acme/nothing", "acme/data/raw/none.csv", "acme/data/raw/../x"} {
		h.press(":")
		h.press("ctrl+u")
		h.typeText(in)
		h.press("enter")
		h.settle()
		p := h.gotoOpen()
		if p == nil || p.note == "" {
			t.Fatalf("%s: prompt %v", in, p)
		}
		h.mustShow(in + ":")
		h.press("esc")
		if h.gotoOpen() != nil || h.m.tree == nil || h.m.tree.repo != acme {
			t.Fatalf("%s: esc left the prompt open or the repository", in)
		}
	}
	// An account alone opens its repositories.
	h.press(":", "ctrl+u")
	h.typeText("alice")
	h.press("enter")
	h.settle()
	if h.m.level != levelRepos || h.m.repos.account != "alice" {
		t.Fatalf("level %v account %q", h.m.level, h.m.repos.account)
	}
}
