package tui

import (
	"github.com/coopterm/coop/internal/humanize"

	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
)

func TestNavigateAccountsReposTree(t *testing.T) {
	s := sampleStore(100)
	h := newHarness(t, s, Options{})
	h.settle()
	h.mustShow("All", "Users", "Organizations", "NAME", "ID", "TYPE",
		"Alice Liddell", "alice", "user", "Acme Corp", "organization", "3 accounts", "memory://fake")

	h.press("tab") // users
	h.settle()
	h.mustShow("Alice Liddell", "Bob Builder")
	h.mustNotShow("Acme Corp")
	h.press("tab") // organizations
	h.settle()
	h.mustShow("Acme Corp")
	h.mustNotShow("Alice Liddell")
	h.press("shift+tab", "shift+tab", "shift+tab") // wraps around to organizations
	h.settle()
	if h.m.accounts.tab != 2 {
		t.Fatalf("tab = %d after wrapping", h.m.accounts.tab)
	}

	h.press("enter")
	h.settle()
	if h.m.level != levelRepos || h.m.repos.account != "acme" {
		t.Fatalf("level %d account %q", h.m.level, h.m.repos.account)
	}
	h.mustShow("TITLE", "VISIBILITY", "CREATED", "DESCRIPTION", "acme")
	v := h.view()
	if strings.Index(v, "Sensor data") > strings.Index(v, "Old data") {
		t.Fatalf("repositories not newest first:\n%s", v)
	}
	h.mustShow("private", "2025-02-02", "readings", "public", "2025-01-02")

	h.press("enter")
	h.settle()
	if h.m.level != levelTree {
		t.Fatal("enter on a repository did not open the tree")
	}
	h.mustShow("acme › data › README.md", "README.md", "raw/", "zeta.txt", "memory://fake")
	h.mustNotShow("a.csv", backend.MetadataFileName+" ")

	h.press("esc")
	h.settle()
	if h.m.level != levelRepos || h.m.repos.at(h.m.repos.nav.cursor).ID != "data" {
		t.Fatal("esc from the tree did not return to the repository it came from")
	}
	h.press("esc")
	if h.m.level != levelAccounts {
		t.Fatal("esc from repositories did not return to accounts")
	}
}

func TestLazyExpansionAndCollapse(t *testing.T) {
	s := sampleStore(100)
	h := newHarness(t, s, Options{StartAt: "acme/data"})
	h.settle()
	if n := s.Calls("list acme/data:raw"); n != 0 {
		t.Fatalf("raw listed %d times before it was opened", n)
	}
	if n := s.Calls("list acme/data:"); n != 1 {
		t.Fatalf("root listed %d times", n)
	}
	h.press("down") // raw/
	if h.selectedPath() != "raw" {
		t.Fatalf("selected %q", h.selectedPath())
	}
	h.press("enter")
	h.settle()
	if n := s.Calls("list acme/data:raw"); n != 1 {
		t.Fatalf("raw listed %d times after opening", n)
	}
	if n := s.Calls("list acme/data:raw/deep"); n != 0 {
		t.Fatalf("raw/deep listed %d times though closed (depth 1 only)", n)
	}
	h.mustShow("▾ raw/", "    a.csv", "    b.csv", "  ▸ deep/")

	// enter again collapses; opening again uses the cache.
	h.press("enter")
	h.mustNotShow("a.csv")
	h.press("right")
	h.settle()
	h.mustShow("a.csv")
	if n := s.Calls("list acme/data:raw"); n != 1 {
		t.Fatalf("raw listed %d times; the cache was not used", n)
	}

	// left on a child goes to its folder; left on an open folder closes it.
	h.press("down", "down")
	if h.selectedPath() != "raw/b.csv" {
		t.Fatalf("selected %q", h.selectedPath())
	}
	h.press("left")
	if h.selectedPath() != "raw" {
		t.Fatalf("left went to %q, want the parent folder", h.selectedPath())
	}
	h.press("h")
	h.mustNotShow("a.csv")
	if got := len(h.m.tree.t.rows); got != 3 {
		t.Fatalf("%d rows after collapse, want 3", got)
	}
	// left at the top level goes back to the repositories.
	h.press("backspace")
	h.settle()
	if h.m.level != levelRepos {
		t.Fatal("left at the top level did not go back")
	}
}

func TestNestedCollapseKeepsRowsConsistent(t *testing.T) {
	s := sampleStore(100)
	h := newHarness(t, s, Options{StartAt: "acme/data/raw/deep/c.bin"})
	h.settle()
	if h.selectedPath() != "raw/deep/c.bin" {
		t.Fatalf("StartAt selected %q", h.selectedPath())
	}
	h.mustShow("acme › data › raw/deep/c.bin", "▾ raw/", "▾ deep/", "c.bin")
	h.press("g", "down") // raw
	h.press("enter")     // collapse raw with deep open below it
	if got := len(h.m.tree.t.rows); got != 3 {
		t.Fatalf("%d rows, want 3", got)
	}
	h.press("enter") // reopen: deep is closed now, from cache
	h.settle()
	h.mustShow("▸ deep/")
	h.mustNotShow("c.bin")
	h.press("G")
	if h.selectedPath() != "zeta.txt" {
		t.Fatalf("G selected %q", h.selectedPath())
	}
}

func TestPagingStreamsWhileKeysWork(t *testing.T) {
	s := newTestStore(10)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	s.Synthesize(acme, "", 35)
	h := newHarness(t, s, Options{StartAt: "acme/data"})
	h.until("the first page", func() bool { return h.rows() > 0 })
	if got := len(h.m.tree.t.rows); got != 10 {
		t.Fatalf("%d rows after the first page, want 10", got)
	}
	if len(h.queue) == 0 {
		t.Fatal("the next page was not requested as soon as the first arrived")
	}
	h.mustShow("10 entries loaded so far", "file-0000000.dat")
	// Keys keep working between pages.
	h.press("G")
	if h.m.tree.nav.cursor != 9 {
		t.Fatalf("cursor %d", h.m.tree.nav.cursor)
	}
	h.press("k")
	h.settle()
	if got := len(h.m.tree.t.rows); got != 35 {
		t.Fatalf("%d rows after all pages, want 35", got)
	}
	if n := s.Calls("list acme/data:"); n != 4 {
		t.Fatalf("%d page requests, want 4", n)
	}
	if h.selectedPath() != "file-0000008.dat" {
		t.Fatalf("selection moved while pages arrived: %q", h.selectedPath())
	}
	h.mustShow("35 entries at top level")
}

func TestPagesIntoFolderAboveCursorKeepSelection(t *testing.T) {
	s := newTestStore(5)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	s.AddFile(acme, "tail.txt", 1)
	s.Synthesize(acme, "big", 12)
	h := newHarness(t, s, Options{StartAt: "acme/data"})
	h.settle()
	h.press("enter") // expand big
	h.until("big's first page", func() bool { return h.rows() > 2 })
	h.press("G") // tail.txt
	if h.selectedPath() != "tail.txt" {
		t.Fatalf("selected %q", h.selectedPath())
	}
	h.settle()
	if h.selectedPath() != "tail.txt" {
		t.Fatalf("rows inserted above moved the selection to %q", h.selectedPath())
	}
	if got := len(h.m.tree.t.rows); got != 14 {
		t.Fatalf("%d rows, want 14", got)
	}
	// The children are in order, right below their folder.
	for i := 1; i <= 12; i++ {
		want := "big/" + fakeName(i-1)
		if got := h.m.tree.t.rowEntry(i).path; got != want {
			t.Fatalf("row %d = %q, want %q", i, got, want)
		}
	}
}

func fakeName(i int) string { return "file-" + strings.Repeat("0", 7-len(itoa(i))) + itoa(i) + ".dat" }

func itoa(i int) string { return humanize.Count(int64(i)) }

func TestLeavingDropsStaleResultsAndResumes(t *testing.T) {
	s := newTestStore(10)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	s.Synthesize(acme, "", 30)
	h := newHarness(t, s, Options{StartAt: "acme/data"})
	h.until("the first page", func() bool { return h.rows() > 0 })
	pending := h.queue
	h.queue = nil
	h.press("esc") // leave the repository before the next page arrives
	for _, c := range pending {
		h.deliver(c()) // the stale page must be ignored
	}
	h.settle()
	if h.m.level != levelRepos {
		t.Fatal("not back at the repositories")
	}
	l := h.m.cache.lists[cacheKey{acme, ""}]
	if l == nil || len(l.entries) != 10 || l.loading {
		t.Fatalf("cached listing after leaving: %+v", l)
	}
	h.enqueue(h.m.openRepo(acme, ""))
	h.settle()
	if got := len(h.m.tree.t.rows); got != 30 {
		t.Fatalf("%d rows after resuming, want 30", got)
	}
}
