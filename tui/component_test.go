package tui

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/keymap"
)

// Overlays stack by layer: an error that arrives while a prompt is open
// is drawn over it and takes the next key; the prompt is back after, with
// what was typed. Help opened over the transfers panel returns to it.
func TestOverlaysStackByLayer(t *testing.T) {
	h, _, _ := xferHarness(t)
	h.press("u")
	h.typeText("/tmp/x")
	h.m.fail("Could not list acme/data/raw", errors.New("boom"))
	h.mustShow("Could not list acme/data/raw", "press any key to dismiss")
	h.mustNotShow("Upload into")
	h.typeText("y") // dismisses, is not typed
	h.mustShow("Upload into", "/tmp/x█")
	if v := h.prompt().value(); v != "/tmp/x" {
		t.Fatalf("prompt holds %q", v)
	}
	h.press("esc")
	if h.prompt() != nil || len(h.m.overlays) != 0 {
		t.Fatalf("overlays left: %d", len(h.m.overlays))
	}

	h.press("t", "?")
	h.mustShow("page down", "esc/? close", "TRANSFERS")
	h.press("x")
	h.mustShow("TRANSFERS", "nothing yet")
	h.mustNotShow("esc/? close")
	h.press("t")
	h.mustShow("README.md")
	h.mustNotShow("TRANSFERS")
}

// The text fields edit with the keymap's editing keys: the cursor moves
// and text goes in where it is, and a rebound key replaces its default.
func TestFilterEditingKeysRebind(t *testing.T) {
	cfg, err := keymap.ParseConfig("config.toml", []byte("[keys]\ndelete_word_back = \"alt+w\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, filterStore(), Options{StartAt: "acme/data", KeyMap: cfg.Keys})
	h.settle()
	h.press("/")
	h.typeText("imge")
	h.press("left", "left")
	h.typeText("a") // "image"
	h.settle()
	f := &h.m.tree.filter
	if f.query != "image" || len(f.idx) != 100 {
		t.Fatalf("query %q, %d matches", f.query, len(f.idx))
	}
	h.press("end")
	h.typeText(" x")
	h.send(tea.KeyPressMsg{Code: 'w', Mod: tea.ModCtrl}) // no longer bound: nothing happens
	if f.query != "image x" {
		t.Fatalf("ctrl+w changed the query to %q", f.query)
	}
	h.send(tea.KeyPressMsg{Code: 'w', Mod: tea.ModAlt})
	h.settle()
	if f.query != "image " {
		t.Fatalf("alt+w left %q", f.query)
	}
	h.press("ctrl+u")
	h.settle()
	if f.query != "" || f.filtered() {
		t.Fatalf("ctrl+u left %q", f.query)
	}
}

// The path prompt's input is as wide as the box in cells: a path of wide
// characters scrolls inside it instead of pushing the border out.
func TestPromptWidthCountsCells(t *testing.T) {
	h, _, _ := xferHarness(t)
	h.press("u")
	h.typeText("/data/" + strings.Repeat("雪", 60) + "/end")
	lines := strings.Split(h.view(), "\n")
	title := ""
	for _, l := range lines {
		if strings.Contains(l, "Upload into") {
			title = strings.TrimRight(l, " ")
		}
	}
	if title == "" {
		t.Fatalf("no box:\n%s", h.view())
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 100 {
			t.Fatalf("line %d is %d cells wide: %q", i, w, l)
		}
		// The input's line ends with the box's border, where the title's
		// line does.
		if l = strings.TrimRight(l, " "); strings.Contains(l, "/end") &&
			(!strings.HasSuffix(l, "│") || ansi.StringWidth(l) != ansi.StringWidth(title)) {
			t.Fatalf("the input line does not end at the border:\n%s", h.view())
		}
	}
	h.mustShow("/end█")
}

// In a path a word is a folder: the delete-word key drops the last folder
// before the cursor.
func TestPromptDeleteWordIsAFolder(t *testing.T) {
	h, _, _ := xferHarness(t)
	h.press("u")
	h.typeText("/srv/data/photos/")
	h.press("ctrl+w")
	if v := h.prompt().value(); v != "/srv/data/" {
		t.Fatalf("after ctrl+w: %q", v)
	}
	h.typeText("raw")
	h.press("ctrl+w")
	if v := h.prompt().value(); v != "/srv/data/" {
		t.Fatalf("after ctrl+w: %q", v)
	}
}
