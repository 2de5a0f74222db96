package tui

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/memstore"
)

// harness drives a Model the way tea.Program does, but one command at a
// time, so tests control when each store result arrives.
type harness struct {
	t     testing.TB
	m     *Model
	queue []tea.Cmd
	quit  bool
	async chan tea.Msg // messages of commands run in goroutines (runAsync)
}

func newHarness(t testing.TB, store backend.Store, opts Options) *harness {
	t.Helper()
	if opts.Theme == "" {
		opts.Theme = "dark"
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h := &harness{t: t, m: New(ctx, store, opts)}
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	h.enqueue(h.m.Init())
	return h
}

func (h *harness) enqueue(cmd tea.Cmd) {
	if cmd != nil {
		h.queue = append(h.queue, cmd)
	}
}

func (h *harness) send(msg tea.Msg) {
	_, cmd := h.m.Update(msg)
	h.enqueue(cmd)
}

// step runs the oldest queued command and delivers its message; it
// reports false when nothing was queued.
func (h *harness) step() bool {
	if len(h.queue) == 0 {
		return false
	}
	cmd := h.queue[0]
	h.queue = h.queue[1:]
	h.deliver(cmd())
	return true
}

func (h *harness) deliver(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.enqueue(c)
		}
	case spinner.TickMsg:
		// Dropped: the animation would re-arm a timer forever.
	case tea.QuitMsg:
		h.quit = true
	default:
		h.send(msg)
	}
}

// settle runs commands until none are left.
func (h *harness) settle() {
	h.t.Helper()
	for i := 0; h.step(); i++ {
		if i > 100000 {
			h.t.Fatal("commands never settle")
		}
	}
}

// press sends key presses, named as in key bindings ("down", "ctrl+c",
// "enter", "/") or as text to type.
func (h *harness) press(keys ...string) {
	for _, k := range keys {
		h.send(keyMsg(k))
	}
}

func (h *harness) typeText(s string) {
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	codes := map[string]rune{
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "backspace": tea.KeyBackspace,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "tab": tea.KeyTab, "home": tea.KeyHome, "end": tea.KeyEnd,
	}
	if c, ok := codes[k]; ok {
		return tea.KeyPressMsg{Code: c}
	}
	if k == "shift+tab" {
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	}
	if r, ok := strings.CutPrefix(k, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: []rune(r)[0], Mod: tea.ModCtrl}
	}
	return tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
}

// view renders the screen without styling, a text input's cursor shown
// as █.
func (h *harness) view() string { return plainScreen(h.m.View().Content) }

// cursorCell is a text input's cursor as drawn on a blank: one space in
// reverse video.
var cursorCell = regexp.MustCompile("\x1b\\[7(;[0-9;]*)?m \x1b\\[m")

// plainScreen strips the styling of a frame, keeping a text input's
// cursor visible as █.
func plainScreen(s string) string { return ansi.Strip(cursorCell.ReplaceAllString(s, "█")) }

func (h *harness) mustShow(parts ...string) {
	h.t.Helper()
	v := h.view()
	for _, p := range parts {
		if !strings.Contains(v, p) {
			h.t.Fatalf("view lacks %q:\n%s", p, v)
		}
	}
}

func (h *harness) mustNotShow(parts ...string) {
	h.t.Helper()
	v := h.view()
	for _, p := range parts {
		if strings.Contains(v, p) {
			h.t.Fatalf("view shows %q:\n%s", p, v)
		}
	}
}

// selectedPath is the tree entry under the cursor.
func (h *harness) selectedPath() string {
	if h.m.tree == nil {
		return ""
	}
	e := h.m.tree.selected()
	if e == nil {
		return ""
	}
	return e.path
}

var (
	acme = backend.RepoRef{AccountID: "acme", RepositoryID: "data"}
	day0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
)

// testStore is the in-memory store the tests fill, behind a fault
// wrapper that counts, fails and holds calls (see memstore.Faults for
// the names of operations: "list acme/data:raw", "meta acme/data").
type testStore struct {
	*memstore.Faults
	mem *memstore.Store
}

// testClock is the time the test store stamps on everything.
var testClock = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// newTestStore returns an empty store whose listings have at most
// pageSize items a page.
func newTestStore(pageSize int) *testStore {
	mem := memstore.New(memstore.WithPageSize(pageSize), memstore.WithLocation("memory://fake"),
		memstore.WithClock(func() time.Time { return testClock }))
	return &testStore{Faults: memstore.WithFaults(mem), mem: mem}
}

func mustDo(err error) {
	if err != nil {
		panic(err)
	}
}

// AddAccount adds an account.
func (s *testStore) AddAccount(id string, typ backend.AccountType, name string) {
	mustDo(s.mem.CreateAccount(context.Background(), backend.Account{ID: id, Type: typ, Name: name}))
}

// AddRepo adds a repository; repositories list newest first.
func (s *testStore) AddRepo(r backend.Repository) {
	if r.Visibility == "" {
		r.Visibility = backend.VisibilityPublic
	}
	mustDo(s.mem.CreateRepository(context.Background(), r))
}

// AddFile stores size bytes at path, and so the folders above it; names
// are taken as another tool might have written them.
func (s *testStore) AddFile(repo backend.RepoRef, path string, size int64) {
	mustDo(s.mem.Fill(repo, path, size))
}

// Synthesize makes folder list n generated files, file-0000000.dat and
// so on, made page by page rather than stored.
func (s *testStore) Synthesize(repo backend.RepoRef, folder string, n int) {
	mustDo(s.mem.Generate(repo, folder, n))
}

// SetMetadata writes repo's metadata file, or makes reading it fail with
// err.
func (s *testStore) SetMetadata(repo backend.RepoRef, m backend.SourceMetadata, err error) {
	if err != nil {
		s.Fail(memstore.Op("meta", repo.String()), err)
		return
	}
	b := backend.NewMetadataBatch(time.Time{})
	for p, e := range m.Objects {
		b.Set(p, e)
	}
	_, err = s.mem.UpdateMetadata(context.Background(), repo, b)
	mustDo(err)
}

// sampleStore is a small platform: two users, an organization with two
// repositories, folders and files, and metadata.
func sampleStore(pageSize int) *testStore {
	s := newTestStore(pageSize)
	s.AddAccount("alice", backend.AccountUser, "Alice Liddell")
	s.AddAccount("bob", backend.AccountUser, "Bob Builder")
	s.AddAccount("acme", backend.AccountOrganization, "Acme Corp")
	s.AddRepo(backend.Repository{ID: "old", AccountID: "acme", Title: "Old data", Visibility: backend.VisibilityPublic,
		Description: "the first one", CreatedAt: day0})
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "Sensor data", Visibility: backend.VisibilityPrivate,
		Description: "readings", CreatedAt: day0.AddDate(0, 1, 0)})
	s.AddFile(acme, "README.md", 1200)
	s.AddFile(acme, "raw/a.csv", 1572864)
	s.AddFile(acme, "raw/b.csv", 10)
	s.AddFile(acme, "raw/deep/c.bin", 5)
	s.AddFile(acme, "zeta.txt", 3)
	s.SetMetadata(acme, backend.SourceMetadata{RepositoryID: "data", AccountID: "acme", Objects: map[string]backend.ObjectMeta{
		"raw/a.csv": {ID: "obj-123", Type: backend.TypeFile, Size: 1572864, MimeType: "text/csv",
			CreatedAt: day0, UpdatedAt: day0.Add(time.Hour), Checksum: "sha256:abcdef",
			Metadata: map[string]any{"license": "CC-BY-4.0", "rows": 42.0}},
	}}, nil)
	return s
}

// until runs commands one at a time until cond holds.
func (h *harness) until(what string, cond func() bool) {
	h.t.Helper()
	for !cond() {
		if !h.step() {
			h.t.Fatalf("no commands left, still waiting for %s", what)
		}
	}
}

func (h *harness) rows() int { return len(h.m.tree.t.rows) }

// prompt is the open path prompt, or nil.
func (h *harness) prompt() *prompt { p, _ := find[*prompt](h.m.overlays); return p }

// deleting is the open delete dialog, or nil.
func (h *harness) deleting() *deleteDialog { d, _ := find[*deleteDialog](h.m.overlays); return d }

// errShown reports whether an error box is open.
func (h *harness) errShown() bool { _, ok := find[*errorBox](h.m.overlays); return ok }
