package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// screenSizes are the sizes every screen is checked at.
var screenSizes = [][2]int{{200, 60}, {120, 40}, {80, 24}, {40, 10}}

// checkScreen fails unless the frame is exactly w×h cells: no line
// wider than the terminal, no line missing.
func checkScreen(t *testing.T, what string, frame string, w, h int) []string {
	t.Helper()
	lines := strings.Split(frame, "\n")
	if len(lines) != h {
		t.Errorf("%s at %d×%d: %d lines:\n%s", what, w, h, len(lines), frame)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("%s at %d×%d: line %d is %d cells wide: %q", what, w, h, i, lw, l)
		}
	}
	return lines
}

// checkBox fails unless the frame holds one whole rounded box: both
// corners of its top and bottom lines, and a side on every line between.
func checkBox(t *testing.T, what string, lines []string) {
	t.Helper()
	top, bottom := -1, -1
	for i, l := range lines {
		if strings.Contains(l, "╭") && strings.Contains(l, "╮") && top < 0 {
			top = i
		}
		if strings.Contains(l, "╰") && strings.Contains(l, "╯") {
			bottom = i
		}
	}
	if top < 0 || bottom <= top {
		t.Fatalf("%s: no whole box (top %d, bottom %d):\n%s", what, top, bottom, strings.Join(lines, "\n"))
	}
	for i := top + 1; i < bottom; i++ {
		if strings.Count(lines[i], "│") < 2 {
			t.Fatalf("%s: line %d of the box has no sides: %q", what, i, lines[i])
		}
	}
}

// The help lists every key by purpose at every size, in a box with its
// border, and scrolls to its last line where it does not fit; q closes
// it and does not quit.
func TestHelpEveryKeyAtEverySize(t *testing.T) {
	for _, sz := range screenSizes {
		w, h := sz[0], sz[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			hs := newHarness(t, sampleStore(100), Options{StartAt: "acme/data", Transfers: &fakeTransfers{}})
			hs.send(resize(w, h))
			hs.settle()
			hs.press("?")
			seen := map[string]bool{}
			var screens []string
			for range 100 {
				lines := checkScreen(t, "help", hs.view(), w, h)
				checkBox(t, "help", lines)
				screens = append(screens, strings.Join(lines, "\n"))
				for _, l := range lines {
					seen[l] = true
				}
				before := hs.view()
				hs.press("pgdown")
				if hs.view() == before {
					break
				}
			}
			all := strings.Join(screens, "\n")
			for _, want := range []string{"Move", "Find", "Transfers", "Editing text", "General",
				"filter", "refresh", "quit", "mark", "upload here", "download", "delete", "transfers",
				"cancel job", "retry job", "clear finished", "complete path", "overwrite all", "delete to end"} {
				if !strings.Contains(all, want) {
					t.Errorf("help never shows %q:\n%s", want, all)
				}
			}
			hs.press("q")
			hs.settle()
			if hs.quit {
				t.Fatal("q in the help quit")
			}
			if _, open := find[*helpBox](hs.m.overlays); open {
				t.Fatal("q did not close the help")
			}
		})
	}
}
