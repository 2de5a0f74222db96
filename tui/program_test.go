package tui

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/coopterm/coop/backend"
)

// screenModel wraps the browser in a real tea.Program and publishes the
// plain text of each frame, because the renderer's output is a stream of
// cell diffs in which text is not contiguous.
type screenModel struct {
	*Model
	screen *atomic.Pointer[string]
}

func (s screenModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := s.Model.Update(msg)
	text := plainScreen(s.Model.View().Content)
	s.screen.Store(&text)
	return s, cmd
}

// TestProgram runs the whole browser in a tea.Program against the fake
// store: accounts → repositories → tree → preview → filter, then quits.
func TestProgram(t *testing.T) {
	repo := backend.RepoRef{AccountID: "acme", RepositoryID: "data"}
	s := newTestStore(2)
	s.AddAccount("acme", backend.AccountOrganization, "Acme Corp")
	s.AddAccount("zed", backend.AccountUser, "Zed Zebra")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "Sensor data", Visibility: backend.VisibilityPublic,
		CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	s.AddFile(repo, "raw/readings-2025.csv", 2048)
	s.AddFile(repo, "notes.md", 10)
	s.SetMetadata(repo, backend.SourceMetadata{Objects: map[string]backend.ObjectMeta{
		"raw/readings-2025.csv": {ID: "obj-777", MimeType: "text/csv", Size: 2048},
	}}, nil)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	screen := &atomic.Pointer[string]{}
	m := screenModel{New(ctx, s, Options{Theme: "dark"}), screen}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(110, 30))
	waitScreen(t, screen, "Zed Zebra")

	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter}) // acme
	waitScreen(t, screen, "Sensor data")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter}) // the repository
	waitScreen(t, screen, "notes.md")
	tm.Type("j")                                 // raw/
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter}) // expand
	waitScreen(t, screen, "readings-2025.csv")
	tm.Type("j")
	waitScreen(t, screen, "id         obj-777")
	tm.Type("/read")
	waitScreen(t, screen, "/read█  1 of 3 match")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitScreen(t, screen, "open/expand") // the footer has left filter mode
	tm.Type("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(screenModel)
	if f := final.tree.filter; f.resQuery != "read" || len(f.idx) != 1 || final.selectionPath() != "raw/readings-2025.csv" {
		t.Fatalf("final filter %q with %d matches, selected %q", f.resQuery, len(f.idx), final.selectionPath())
	}
	if s.Calls("list acme/data:raw") != 1 {
		t.Fatalf("raw listed %d times", s.Calls("list acme/data:raw"))
	}
	// The program drew real frames to its output, in the alternate screen.
	out := readAll(tm.FinalOutput(t))
	if !strings.Contains(out, "\x1b[?1049h") {
		t.Fatal("the program did not switch to the alternate screen")
	}
}

// waitScreen polls the published frame until it contains text.
func waitScreen(t *testing.T, screen *atomic.Pointer[string], text string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if p := screen.Load(); p != nil && strings.Contains(*p, text) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	last := ""
	if p := screen.Load(); p != nil {
		last = *p
	}
	t.Fatalf("screen never showed %q; last frame:\n%s", text, last)
}

func readAll(r interface{ Read([]byte) (int, error) }) string {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		b.Write(buf[:n])
		if err != nil || n == 0 {
			return b.String()
		}
	}
}

func (m *Model) selectionPath() string {
	if e := m.tree.selected(); e != nil {
		return e.path
	}
	return ""
}
