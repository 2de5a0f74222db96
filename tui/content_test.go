package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/backend/content/contenttest"
	"github.com/coopterm/coop/backend/memstore"
)

// contentStore is the sample store with files worth previewing.
func contentStore(t testing.TB) *testStore {
	t.Helper()
	s := sampleStore(100)
	var long strings.Builder
	for i := range 200 {
		fmt.Fprintf(&long, "- item %d\n", i)
	}
	files := contenttest.ZarrV2(true).Under("ocean/sst.zarr")
	files["places.parquet"] = contenttest.GeoParquet(500, 100, true)
	files["guide.md"] = []byte("# Field guide\n\nHow to *read* the \x1b]0;pwned\x07 data.\n\n" + long.String())
	files["tables/people.csv"] = []byte(contenttest.CSV)
	files["lying.parquet"] = append([]byte("PAR1 not really"), 0xff, 0xff, 0xff, 0xff, 'P', 'A', 'R', '1')
	files["blob.bin"] = []byte{0, 1, 2, 3, 0x1b, '[', '2', 'J'}
	for p, b := range files {
		if _, err := s.mem.PutObject(context.Background(), acme, p, bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// contentHarness opens acme/data at path with content previews on.
func contentHarness(t testing.TB, s *testStore, at string) *harness {
	t.Helper()
	h := newHarness(t, s, Options{StartAt: "acme/data/" + at, Content: content.New(s, content.Options{})})
	h.send(tea.WindowSizeMsg{Width: 160, Height: 40})
	h.settle()
	return h
}

func TestContentSection(t *testing.T) {
	s := contentStore(t)
	h := contentHarness(t, s, "places.parquet")
	h.mustShow("content", "GeoParquet · 500 rows · 5 row groups · 7 columns", "geometry    primary · WKB · Point")
	h.selectPath("tables")
	h.press("enter")
	h.settle()
	h.selectPath("tables/people.csv")
	h.mustShow("CSV · 4 columns · comma-separated · 3 rows", "Smith, Jane")
	h.selectPath("lying.parquet")
	h.mustShow("malformed: the Parquet footer claims 4.0 GiB")
	if h.errShown() {
		t.Error("a file that cannot be previewed opened an error box; it belongs in the section")
	}
	h.selectPath("blob.bin")
	h.mustShow("binary data (application/octet-stream), not shown")
}

func TestContentIsSafeOnScreen(t *testing.T) {
	h := contentHarness(t, contentStore(t), "guide.md")
	h.mustShow("Markdown · 204 lines", `\x1b]0;pwned\x07`)
	frame := h.m.View().Content
	sgr := regexp.MustCompile(`\x1b\[[0-9;:]*m`)
	if rest := sgr.ReplaceAllString(frame, ""); strings.ContainsAny(rest, "\x1b\x07") {
		t.Errorf("the frame has an escape other than colours: %q", rest)
	}
}

func TestZarrFolderSection(t *testing.T) {
	s := contentStore(t)
	h := contentHarness(t, s, "ocean") // opened with ocean/ expanded
	h.selectPath("ocean/sst.zarr")
	h.mustShow("Zarr v2 group · consolidated · 2 arrays, 0 groups", "sst  float32  365×720×1440")
	// A plain folder asks the store nothing for a content section.
	lists := s.Calls(memstore.Op("list", "acme/data:raw"))
	h.selectPath("raw")
	if n := s.Calls(memstore.Op("list", "acme/data:raw")); n != lists {
		t.Errorf("selecting a plain folder listed it %d times for the content section", n-lists)
	}
	h.mustNotShow("reading raw")
}

// selectPath moves the cursor to path (visible in the tree) and lets
// the preview load.
func (h *harness) selectPath(p string) {
	h.t.Helper()
	i := h.m.tree.t.findPath(p)
	if i < 0 {
		h.t.Fatalf("%s is not in the tree", p)
	}
	for h.m.tree.nav.cursor < i {
		h.press("down")
	}
	for h.m.tree.nav.cursor > i {
		h.press("up")
	}
	h.settle()
}

// heldPreviewer is a Previewer whose reads wait for release or their
// context's end, counting both.
type heldPreviewer struct {
	mu        sync.Mutex
	started   []string
	cancelled []string
	release   chan struct{}
}

func (p *heldPreviewer) wait(ctx context.Context, what string) error {
	p.mu.Lock()
	p.started = append(p.started, what)
	p.mu.Unlock()
	select {
	case <-p.release:
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		p.cancelled = append(p.cancelled, what)
		p.mu.Unlock()
		return ctx.Err()
	}
}

func (p *heldPreviewer) File(ctx context.Context, _ backend.RepoRef, info backend.ObjectInfo) (*content.Summary, error) {
	if err := p.wait(ctx, info.Path); err != nil {
		return nil, err
	}
	return &content.Summary{Format: content.FormatText, Text: &content.Text{Body: "body of " + info.Path + "\n", Lines: 1}}, nil
}

func (p *heldPreviewer) Folder(ctx context.Context, _ backend.RepoRef, dir string) (*content.Summary, error) {
	return nil, p.wait(ctx, dir+"/")
}

func (p *heldPreviewer) counts() (started, cancelled []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.started...), append([]string(nil), p.cancelled...)
}

// runAsync runs the queued commands in goroutines (a held read would
// block the harness) and delivers their messages as they come, until
// done holds; commands started by an earlier call deliver theirs too.
func (h *harness) runAsync(done func() bool) {
	h.t.Helper()
	if h.async == nil {
		h.async = make(chan tea.Msg, 256)
	}
	deadline := time.After(30 * time.Second)
	for !done() {
		for len(h.queue) > 0 {
			cmd := h.queue[0]
			h.queue = h.queue[1:]
			go func() { h.async <- cmd() }()
		}
		select {
		case msg := <-h.async:
			h.deliver(msg)
		case <-time.After(5 * time.Millisecond): // done may hold without a message
		case <-deadline:
			h.t.Fatal("waited 30 s for the browser to get there")
		}
	}
}

func TestContentLoadsWithoutBlockingAndIsCancelled(t *testing.T) {
	pv := &heldPreviewer{release: make(chan struct{})}
	h := newHarness(t, sampleStore(100), Options{StartAt: "acme/data/README.md", Content: pv})
	started := func(n int) func() bool { return func() bool { s, _ := pv.counts(); return len(s) >= n } }
	h.runAsync(started(1))
	h.mustShow("content", "reading README.md…")
	if !h.m.busy() {
		t.Error("the browser is not busy while a preview loads: the spinner would stop")
	}
	// Keys answer while the read is held: the cursor moves, and the read
	// of the entry left is cancelled.
	h.press("down")
	if h.selectedPath() != "raw" {
		t.Fatalf("selected %q after down", h.selectedPath())
	}
	h.runAsync(func() bool { _, c := pv.counts(); return len(c) == 1 })
	if _, c := pv.counts(); c[0] != "README.md" {
		t.Errorf("cancelled %v; want the read of README.md", c)
	}
	// Moving through several files quickly starts a read only where the
	// cursor rests.
	h.press("down", "down", "down", "down")
	h.runAsync(started(2))
	if s, _ := pv.counts(); len(s) != 2 {
		t.Errorf("reads started: %v", s)
	}
	close(pv.release)
	h.runAsync(func() bool { return h.m.tree.sect != nil && h.m.tree.sect.lines != nil })
	h.mustShow("body of " + h.selectedPath())
}

func TestFullHeightPreviewAndScrolling(t *testing.T) {
	h := contentHarness(t, contentStore(t), "guide.md")
	if !regexp.MustCompile(`── 1–\d+ of \d+ · J/K scroll`).MatchString(h.view()) {
		t.Fatalf("no position marker:\n%s", h.view())
	}
	h.press("J", "J")
	h.mustShow("── 3–")
	h.send(tea.MouseWheelMsg{X: 120, Y: 5, Button: tea.MouseWheelDown})
	h.mustShow("── 6–")
	h.press("K")
	h.mustShow("── 5–")
	// enter on a file shows its preview at full height and width; the
	// arrows scroll it; esc goes back to the list, the file still selected.
	h.press("enter")
	h.settle()
	if !h.m.tree.full {
		t.Fatal("enter on a file did not open the full-height preview")
	}
	h.mustNotShow("NAME", "README.md")
	h.mustShow("Field guide", "── 1–")
	h.press("down", "pgdown")
	if h.m.tree.scroll < 10 {
		t.Errorf("scrolled to %d after down and page down", h.m.tree.scroll)
	}
	h.press("esc")
	h.settle()
	if h.m.tree.full || h.selectedPath() != "guide.md" {
		t.Errorf("full %v, selected %q after esc", h.m.tree.full, h.selectedPath())
	}
	h.mustShow("NAME", "README.md")
}

func TestPagerOnlyLocally(t *testing.T) {
	h := contentHarness(t, contentStore(t), "guide.md")
	h.press("o")
	if !h.errShown() {
		t.Fatal("o without a pager (a browser over SSH) did not say why")
	}
	h.mustShow("only on your own machine")
}

func TestPagerFetchesToAPrivateFile(t *testing.T) {
	s := contentStore(t)
	pager := &Pager{Command: []string{"true"}, Open: func(ctx context.Context, repo backend.RepoRef, p string) (io.ReadCloser, error) {
		rc, _, err := s.GetObject(ctx, repo, p)
		return rc, err
	}}
	msg := fetchForPager(context.Background(), pager.Open, acme, "tables/people.csv")
	if msg.err != nil {
		t.Fatal(msg.err)
	}
	defer os.RemoveAll(msg.dir)
	b, err := os.ReadFile(msg.file)
	if err != nil || string(b) != contenttest.CSV {
		t.Fatalf("fetched %q, %v", b, err)
	}
	fi, _ := os.Stat(msg.file)
	di, _ := os.Stat(msg.dir)
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 || filepath.Base(msg.file) != "preview.csv" {
		t.Errorf("file %s mode %v in a folder of mode %v", msg.file, fi.Mode().Perm(), di.Mode().Perm())
	}
	if m := fetchForPager(context.Background(), pager.Open, acme, "nothing.txt"); !errors.Is(m.err, backend.ErrNotFound) || m.dir != "" {
		t.Errorf("missing object: %+v", m)
	}
	// A binary file is not sent to the pager.
	h := newHarness(t, s, Options{StartAt: "acme/data/blob.bin", Content: content.New(s, content.Options{}), Pager: pager})
	h.settle()
	h.press("o")
	if len(h.queue) != 0 {
		t.Error("o on a binary file started a fetch")
	}
	h.mustShow("not text: the pager shows text")
}
