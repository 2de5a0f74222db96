package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/transfer"
	"github.com/coopterm/coop/keymap"
)

func resize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

func TestErrorShownAndDismissed(t *testing.T) {
	s := sampleStore(100)
	s.Fail("list acme/data:raw", fmt.Errorf("list raw: %w", backend.ErrUnauthorized))
	h := newHarness(t, s, Options{StartAt: "acme/data"})
	h.settle()
	h.press("down", "enter")
	h.settle()
	h.mustShow("Could not list acme/data/raw", "list raw: not allowed", "not allowed to see this", "press any key to dismiss")
	// The key that dismisses does nothing else.
	h.press("j")
	h.mustNotShow("Could not list")
	if h.selectedPath() != "raw" {
		t.Fatalf("the dismissing key moved the cursor to %q", h.selectedPath())
	}
	// Retrying the folder once the store recovers works.
	s.Fail("list acme/data:raw", nil)
	h.press("enter", "enter")
	h.settle()
	h.mustShow("a.csv")
	// esc dismisses too.
	h.m.fail("boom", errors.New("bad"))
	h.press("esc")
	if h.errShown() || h.m.level != levelTree {
		t.Fatal("esc did not just dismiss the error")
	}
}

func TestResizeAndTooSmall(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{StartAt: "acme/data"})
	h.settle()
	for _, size := range [][2]int{{100, 30}, {40, 10}, {200, 60}, {71, 12}} {
		h.send(resize(size[0], size[1]))
		lines := strings.Split(h.view(), "\n")
		if len(lines) != size[1] {
			t.Fatalf("%v: %d lines", size, len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Fatalf("%v: line %d is %d cells wide: %q", size, i, w, l)
			}
		}
	}
	h.send(resize(30, 8))
	h.mustShow("Terminal too small: 30×8", "at least 40×10")
	h.mustNotShow("README.md")
	h.send(resize(100, 30))
	h.mustShow("README.md")
	h.mustNotShow("too small")
	// A cursor far down stays visible after the window shrinks.
	h.press("G")
	h.send(resize(100, 11))
	nv := h.m.tree.nav
	if nv.cursor < nv.offset || nv.cursor >= nv.offset+h.m.c.bodyHeight() {
		t.Fatalf("cursor %d off screen (offset %d)", nv.cursor, nv.offset)
	}
}

func TestMouseWheelAndClick(t *testing.T) {
	h := newHarness(t, filterStore(), Options{StartAt: "acme/data"})
	h.settle()
	h.send(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if h.m.tree.nav.offset != 3 {
		t.Fatalf("offset %d after one wheel step", h.m.tree.nav.offset)
	}
	h.mustNotShow("Image-000.PNG ")
	h.send(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if h.m.tree.nav.offset != 0 {
		t.Fatalf("offset %d after wheel up", h.m.tree.nav.offset)
	}
	// Row 5 of the list is on screen line headerLines+5.
	h.send(tea.MouseClickMsg{Button: tea.MouseLeft, X: 4, Y: headerLines + 5})
	if h.selectedPath() != "Image-005.PNG" {
		t.Fatalf("click selected %q", h.selectedPath())
	}
	// Clicks on the preview or the footer select nothing.
	h.send(tea.MouseClickMsg{Button: tea.MouseLeft, X: 90, Y: headerLines + 1})
	h.send(tea.MouseClickMsg{Button: tea.MouseLeft, X: 4, Y: 29})
	if h.selectedPath() != "Image-005.PNG" {
		t.Fatalf("selection changed to %q", h.selectedPath())
	}
}

func TestMouseClickOnAccountTab(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{})
	h.settle()
	x := len(headerTitle) + len(" "+accountTabs()[0].label+"  ") + 2 // inside " Users "
	h.send(tea.MouseClickMsg{Button: tea.MouseLeft, X: x, Y: 0})
	h.settle()
	if h.m.accounts.tab != 1 {
		t.Fatalf("tab %d after clicking Users", h.m.accounts.tab)
	}
}

func TestNamesAreSanitized(t *testing.T) {
	s := sampleStore(100)
	s.AddFile(acme, "evil\x1b[2J", 1)
	s.AddFile(acme, "bell\x07\u202etxt.exe", 1)
	s.AddAccount("mallory", backend.AccountUser, "Mal\x1b]0;pwned\x07")
	for _, noColor := range []bool{false, true} {
		h := newHarness(t, s, Options{StartAt: "acme/data", NoColor: noColor})
		h.settle()
		h.mustShow(`evil\x1b[2J`, `bell\x07\u202etxt.exe`)
		for range 8 {
			h.press("down")
			checkNoRawEscapes(t, h.m.View().Content)
		}
		h.press("esc", "esc")
		h.settle()
		h.mustShow(`Mal\x1b]0;pwned\x07`)
		checkNoRawEscapes(t, h.m.View().Content)
		if strings.Contains(h.m.View().WindowTitle, "\x1b") {
			t.Fatal("raw ESC in the window title")
		}
	}
}

// checkNoRawEscapes fails if out holds any escape sequence other than
// the SGR styling the view emits itself.
func checkNoRawEscapes(t *testing.T, out string) {
	t.Helper()
	if strings.Contains(ansi.Strip(out), "\x1b") || strings.Contains(out, "\x1b[2J") || strings.Contains(out, "\x1b]") || strings.Contains(out, "\x07") {
		t.Fatalf("raw escape in view: %q", out)
	}
	for i := strings.IndexByte(out, 0x1b); i >= 0; i = strings.IndexByte(out, 0x1b) {
		out = out[i+1:]
		end := strings.IndexByte(out, 'm')
		if !strings.HasPrefix(out, "[") || end < 0 || strings.ContainsAny(out[1:end], "ABCDEFGHJKSTfhlnsu") {
			t.Fatalf("non-SGR escape in view: %q", out[:min(len(out), 20)])
		}
	}
}

func TestNoColorEmitsNoColour(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{StartAt: "acme/data", NoColor: true})
	h.settle()
	if out := h.m.View().Content; strings.Contains(out, "38;") || strings.Contains(out, "48;") {
		t.Fatal("colour escape with NoColor set")
	}
}

func TestRefreshInvalidatesCache(t *testing.T) {
	s := sampleStore(100)
	h := newHarness(t, s, Options{StartAt: "acme/data"})
	h.settle()
	h.press("down", "enter") // open raw
	h.settle()
	h.press("down", "down") // raw/b.csv
	s.AddFile(acme, "raw/new.txt", 7)
	s.AddFile(acme, "aaa-new-top.txt", 7)
	h.mustNotShow("new.txt")
	h.settle()
	metaBefore := s.Calls("meta acme/data")
	h.press("r")
	h.settle()
	// The refresh drops the entries read and looks up the selected one again.
	if s.Calls("list acme/data:") != 2 || s.Calls("list acme/data:raw") != 2 || s.Calls("meta acme/data") <= metaBefore {
		t.Fatalf("refresh calls: root %d raw %d meta %d", s.Calls("list acme/data:"), s.Calls("list acme/data:raw"), s.Calls("meta acme/data"))
	}
	h.mustShow("aaa-new-top.txt", "▾ raw/", "new.txt")
	if h.selectedPath() != "raw/b.csv" {
		t.Fatalf("refresh lost the selection: %q", h.selectedPath())
	}
	// Refresh at the repositories level reloads them too.
	h.press("esc")
	h.settle()
	s.AddRepo(backend.Repository{ID: "fresh", AccountID: "acme", Title: "Fresh", CreatedAt: day0.AddDate(1, 0, 0)})
	h.press("r")
	h.settle()
	h.mustShow("Fresh")
}

// A finished job that changed a repository the user has left drops that
// repository's cached listing and metadata: opening it again lists the
// folder afresh, and only that folder.
func TestFinishedJobDropsCacheOfRepositoryNotOpen(t *testing.T) {
	s := sampleStore(100)
	f := &fakeTransfers{}
	h := newHarness(t, s, Options{StartAt: "acme/data/raw", Transfers: f})
	h.settle()
	h.press("esc") // to acme's repositories
	h.settle()
	metaBefore := s.Calls("meta acme/data")
	if h.m.level != levelRepos {
		t.Fatalf("level %d", h.m.level)
	}
	s.AddFile(acme, "raw/uploaded.bin", 99)
	h.update(transfer.Update{Jobs: []transfer.Job{{ID: 1, Kind: transfer.UploadFile, Repo: acme, Local: "/tmp/u",
		Remote: "raw/uploaded.bin", State: transfer.Done}}, Totals: transfer.Totals{Done: 1, Idle: true},
		Affected: []transfer.Affected{{Repo: acme, Folder: "raw"}}})
	if _, ok := h.m.cache.lists[cacheKey{acme, "raw"}]; ok {
		t.Fatal("the changed folder's listing is still cached")
	}
	if _, ok := h.m.cache.meta[acme]; ok {
		t.Fatal("the changed repository's metadata is still cached")
	}
	h.enqueue(h.m.openRepo(acme, "raw/uploaded.bin"))
	h.settle()
	h.mustShow("uploaded.bin")
	// The folder is listed again, and the entry shown is looked up again.
	if s.Calls("list acme/data:raw") != 2 || s.Calls("list acme/data:") != 1 || s.Calls("meta acme/data") <= metaBefore {
		t.Fatalf("calls raw %d root %d meta %d", s.Calls("list acme/data:raw"), s.Calls("list acme/data:"), s.Calls("meta acme/data"))
	}
}

func TestHelpToggle(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{})
	h.settle()
	h.press("?")
	h.mustShow("page down", "refresh", "clear filter", "previous tab", "esc/? close")
	h.press("x")
	h.mustNotShow("esc/? close")
	h.mustShow("Alice Liddell")
}

func TestQuitCancelsSession(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		h := newHarness(t, sampleStore(100), Options{})
		h.settle()
		h.press(k)
		h.settle()
		if !h.quit || h.m.c.Ctx.Err() == nil {
			t.Fatalf("%s: quit %v, ctx %v", k, h.quit, h.m.c.Ctx.Err())
		}
	}
	// While filtering, q is typed, ctrl+c still quits.
	h := newHarness(t, sampleStore(100), Options{})
	h.settle()
	h.press("/", "q")
	h.settle()
	if h.quit || h.m.accounts.filter.query != "q" {
		t.Fatal("q did not go into the filter")
	}
	h.press("ctrl+c")
	h.settle()
	if !h.quit {
		t.Fatal("ctrl+c did not quit while filtering")
	}
}

func TestReboundKeys(t *testing.T) {
	cfg, err := keymap.ParseConfig("config.toml", []byte("[keys]\nquit = \"ctrl+q\"\ndown = [\"n\", \"down\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, sampleStore(100), Options{KeyMap: cfg.Keys})
	h.settle()
	h.press("n")
	if h.m.accounts.nav.cursor != 1 {
		t.Fatal("rebound down key did not move")
	}
	h.press("q", "j")
	h.settle()
	if h.quit || h.m.accounts.nav.cursor != 1 {
		t.Fatal("old bindings still active")
	}
	h.mustShow("ctrl+q quit")
	h.press("ctrl+q")
	h.settle()
	if !h.quit {
		t.Fatal("ctrl+q did not quit")
	}
}

func TestInvalidThemeShowsErrorAndFallsBack(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{Theme: "neon"})
	h.settle()
	h.mustShow("Theme", `unknown theme "neon"`)
}

func TestBackgroundColourPicksTheme(t *testing.T) {
	m := New(context.Background(), sampleStore(100), Options{})
	if m.Init() == nil || !m.autoTheme {
		t.Fatal("auto theme did not ask for the background")
	}
	before := m.c.Styles.Row.Render("x")
	m.Update(tea.BackgroundColorMsg{Color: ansiWhite{}})
	if m.c.Styles.Row.Render("x") == before {
		t.Fatal("a light background did not switch to the light theme")
	}
}

type ansiWhite struct{}

func (ansiWhite) RGBA() (r, g, b, a uint32) { return 0xffff, 0xffff, 0xffff, 0xffff }

func TestLoadFailureIsShownAndRetried(t *testing.T) {
	s := sampleStore(100)
	s.Fail("accounts ", fmt.Errorf("open catalog: %w", backend.ErrNotInitialized))
	h := newHarness(t, s, Options{})
	h.settle()
	h.mustShow("Could not list accounts", "store not initialized", "coop init")
	h.press("esc")
	h.mustShow("could not load: open catalog", "(r retries)")
	s.Fail("accounts ", nil)
	h.press("r")
	h.settle()
	h.mustShow("Alice Liddell")
	// ctrl+c quits even while an error is shown.
	h.m.fail("x", errors.New("y"))
	h.press("ctrl+c")
	h.settle()
	if !h.quit {
		t.Fatal("ctrl+c did not quit from the error dialog")
	}
}

func TestStartAtMissingRepository(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{StartAt: "acme/nope"})
	h.settle()
	h.mustShow("Could not list acme/nope", "not found", "press r to refresh")
	h.press("x")
	h.mustShow("could not load")
	h.press("esc")
	h.settle()
	h.mustShow("Sensor data")
}
