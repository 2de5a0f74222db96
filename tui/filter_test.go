package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
)

// filterStore is a repository with 200 files at the top level: report-000
// … report-099 and image-000 … image-099.
func filterStore() *testStore {
	s := newTestStore(50)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	for i := range 100 {
		s.AddFile(acme, fmt.Sprintf("report-%03d.pdf", i), 1)
		s.AddFile(acme, fmt.Sprintf("Image-%03d.PNG", i), 1)
	}
	return s
}

func TestFilterIncremental(t *testing.T) {
	h := newHarness(t, filterStore(), Options{StartAt: "acme/data"})
	h.settle()
	h.press("/")
	if !h.m.tree.filter.editing {
		t.Fatal("/ did not open the filter")
	}
	h.typeText("image-00")
	h.settle()
	f := &h.m.tree.filter
	if !f.filtered() || len(f.idx) != 10 {
		t.Fatalf("%d matches for image-00, want 10 (case-insensitive)", len(f.idx))
	}
	h.mustShow("/image-00█", "10 of 200 match", "Image-000.PNG", "Image-009.PNG")
	h.mustNotShow("report-")
	// Narrowing searches only the previous matches of the same snapshot.
	src := f.src
	h.typeText("7")
	h.settle()
	if len(f.idx) != 1 || f.src != src {
		t.Fatalf("narrowing: %d matches, same snapshot %v", len(f.idx), f.src == src)
	}
	if h.selectedPath() != "Image-007.PNG" {
		t.Fatalf("selected %q", h.selectedPath())
	}
	// Backspace widens again.
	h.press("backspace", "backspace")
	h.settle()
	if len(f.idx) != 100 {
		t.Fatalf("%d matches for image-0, want 100", len(f.idx))
	}
	// Enter keeps the filter and browses the matches with j/k.
	h.press("enter")
	if f.editing || !f.filtered() {
		t.Fatal("enter did not keep the filter")
	}
	h.press("j", "j")
	if h.selectedPath() != "Image-002.PNG" {
		t.Fatalf("selected %q", h.selectedPath())
	}
	// esc clears the filter and keeps the selected entry selected.
	h.press("esc")
	if f.query != "" || f.filtered() {
		t.Fatal("esc did not clear the filter")
	}
	if h.selectedPath() != "Image-002.PNG" || h.m.level != levelTree {
		t.Fatalf("after clearing: selected %q, level %d", h.selectedPath(), h.m.level)
	}
	if h.m.tree.count() != 200 {
		t.Fatalf("%d rows shown after clearing", h.m.tree.count())
	}
}

func TestFilterDropsStaleResults(t *testing.T) {
	h := newHarness(t, filterStore(), Options{StartAt: "acme/data"})
	h.settle()
	h.press("/")
	h.typeText("report")
	first := h.queue
	h.queue = nil
	h.press("backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
	h.typeText("image")
	second := h.queue
	h.queue = nil
	// The newer run finishes first; the older one arrives late.
	for _, c := range second {
		h.deliver(c())
	}
	h.settle()
	for _, c := range first {
		h.deliver(c())
	}
	h.settle()
	f := &h.m.tree.filter
	if f.resQuery != "image" || len(f.idx) != 100 {
		t.Fatalf("shown results are for %q (%d matches); stale results were not dropped", f.resQuery, len(f.idx))
	}
	h.mustNotShow("report-")
}

func TestFilterFollowsStreamingPages(t *testing.T) {
	s := newTestStore(100)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	s.Synthesize(acme, "", 1000)
	h := newHarness(t, s, Options{StartAt: "acme/data"})
	h.until("the first page", func() bool { return h.rows() > 0 })
	h.press("/")
	h.typeText("5.dat")
	h.settle()
	f := &h.m.tree.filter
	if len(f.idx) != 100 {
		t.Fatalf("%d matches after all pages arrived, want 100", len(f.idx))
	}
}

func TestFilterAccountsAndRepos(t *testing.T) {
	h := newHarness(t, sampleStore(1), Options{})
	h.settle()
	h.press("/")
	h.typeText("LIDD")
	h.settle()
	h.mustShow("Alice Liddell", "1 of 3 match")
	h.mustNotShow("Bob Builder")
	h.press("enter", "enter") // keep filter, open alice
	h.settle()
	if h.m.level != levelRepos || h.m.repos.account != "alice" {
		t.Fatalf("opened %q", h.m.repos.account)
	}
	h.press("esc", "esc") // back to accounts, then clear its filter
	h.mustShow("Bob Builder")
	if h.m.accounts.at(h.m.accounts.nav.cursor).ID != "alice" {
		t.Fatal("clearing the filter lost the selection")
	}
	// Repositories match on title and id.
	h.press("g", "enter") // acme
	h.settle()
	h.press("/")
	h.typeText("sensor")
	h.settle()
	h.mustShow("Sensor data")
	h.mustNotShow("Old data")
}

func TestFilterOpenFolderMatchExpandsInTree(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{StartAt: "acme/data"})
	h.settle()
	h.press("/")
	h.typeText("raw")
	h.settle()
	h.press("enter", "enter") // keep, then open the match
	h.settle()
	if h.m.tree.filter.query != "" || h.selectedPath() != "raw" {
		t.Fatalf("filter %q, selected %q", h.m.tree.filter.query, h.selectedPath())
	}
	h.mustShow("▾ raw/", "a.csv")
}

func TestMatcher(t *testing.T) {
	cases := []struct {
		q, s string
		want bool
	}{
		{"abc", "xxABCxx", true}, {"abc", "ab", false}, {"", "x", true}, {"é", "CAFÉ", true},
		{"a.c", "abc", false}, {"file-9", "FILE-0000009.dat", false}, {"09.d", "file-0000009.dat", true},
	}
	for _, c := range cases {
		if got := matcher(c.q)(c.s); got != c.want {
			t.Errorf("match(%q, %q) = %v", c.q, c.s, got)
		}
	}
}

func TestRunFilterStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src := &sliceSrc[string]{items: strings.Split(strings.Repeat("a,", 10000), ","), name: func(s *string) string { return *s }}
	if _, ok := runFilter(ctx, src, "a", nil); ok {
		t.Fatal("a cancelled run reported success")
	}
}

// TestFilterSnapshotRace runs a filter command in a goroutine, as
// tea.Program does, while Update keeps changing the tree: expanding,
// collapsing and appending pages. Run with -race. The run must have
// matched over the rows as they were when it started (the tree copies
// its rows before changing them in place); when its result arrives the
// filter runs again over the changed tree.
func TestFilterSnapshotRace(t *testing.T) {
	s := newTestStore(20)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	for i := range 5 {
		s.Synthesize(acme, fmt.Sprintf("d%d", i), 200)
	}
	h := newHarness(t, s, Options{StartAt: "acme/data"})
	h.settle()
	h.press("/")
	h.typeText("d")
	results := make(chan []tea.Msg, 1)
	cmds := h.queue
	h.queue = nil
	go func() { // the filter run, off the Update goroutine
		var out []tea.Msg
		for len(cmds) > 0 {
			msg := cmds[0]()
			cmds = cmds[1:]
			if b, ok := msg.(tea.BatchMsg); ok {
				cmds = append(cmds, b...)
				continue
			}
			out = append(out, msg)
		}
		results <- out
	}()
	h.press("enter") // keep the filter; until its result arrives keys act on the tree
	for i := range 5 {
		h.m.tree.nav.cursor = 0
		for j := 0; j < len(h.m.tree.t.rows); j++ {
			if h.m.tree.t.rowEntry(j).path == fmt.Sprintf("d%d", i) {
				h.m.tree.nav.cursor = j
			}
		}
		h.press("enter")
		h.settle()
		if i%2 == 0 {
			h.press("enter") // collapse again
		}
	}
	if h.rows() != 5+2*200 {
		t.Fatalf("%d rows with d1 and d3 open, want 405", h.rows())
	}
	runs := 0
	for _, msg := range <-results {
		if r, ok := msg.(filterResultMsg); ok && r.ok {
			runs++
			snap := r.src.(*treeSnap)
			var names []string
			for i := range snap.Len() {
				names = append(names, snap.Name(i))
			}
			if want := []string{"d0", "d1", "d2", "d3", "d4"}; !slices.Equal(names, want) {
				t.Fatalf("the run's snapshot changed under it: %v", names)
			}
			if again, _ := runFilter(context.Background(), snap, r.query, nil); !slices.Equal(r.idx, again) {
				t.Fatalf("the run matched %v, the snapshot gives %v", r.idx, again)
			}
		}
		h.deliver(msg)
	}
	h.settle()
	if runs == 0 {
		t.Fatal("no filter run finished")
	}
	f := &h.m.tree.filter
	if !f.filtered() || f.srcVer != h.m.tree.t.ver || len(f.idx) != 405 {
		t.Fatalf("the filter shows %d matches of version %d; the tree is at %d", len(f.idx), f.srcVer, h.m.tree.t.ver)
	}
}
