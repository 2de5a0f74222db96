package metaindex

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// cacheRepo makes a repository's folder under root with one version's
// index of size bytes, last used at used.
func cacheRepo(t *testing.T, root, store, account, repo string, bytes int, used time.Time) string {
	t.Helper()
	dir := filepath.Join(root, store, account, repo)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, IdxName("0123"))
	if err := os.WriteFile(name, make([]byte, bytes), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{name, dir} {
		if err := os.Chtimes(p, used, used); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestSweepRemovesWhatWasNotUsedForLong(t *testing.T) {
	root := t.TempDir()
	now := time.Now()
	old := cacheRepo(t, root, "aaaa", "acct", "old", 100, now.Add(-UnusedAge-time.Hour))
	recent := cacheRepo(t, root, "aaaa", "acct", "recent", 100, now.Add(-UnusedAge+time.Hour))
	gone := cacheRepo(t, root, "bbbb", "acct", "gone", 100, now.Add(-40*24*time.Hour))
	// The store and account folders left empty by the last sweep, idle.
	for _, p := range []string{filepath.Join(root, "bbbb", "acct"), filepath.Join(root, "bbbb")} {
		if err := os.Chtimes(p, now.Add(-2*time.Hour), now.Add(-2*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	Sweep(root, now, MaxCacheBytes)
	if exists(old) {
		t.Errorf("a folder unused for %v is kept", UnusedAge+time.Hour)
	}
	if !exists(recent) {
		t.Errorf("a folder used %v ago is removed", UnusedAge-time.Hour)
	}
	if exists(gone) {
		t.Errorf("another store's folder unused for 40 days is kept")
	}
	// The account folder it was in changed just now: the next sweep.
	Sweep(root, now.Add(2*time.Hour), MaxCacheBytes)
	if exists(filepath.Join(root, "bbbb")) {
		t.Errorf("an empty store folder is kept")
	}
	ents, _ := os.ReadDir(root)
	for _, e := range ents {
		if e.Name() != "aaaa" && e.Name() != sweptName {
			t.Errorf("left in the cache root: %s", e.Name())
		}
	}
}

func TestSweepKeepsTheCacheUnderItsBound(t *testing.T) {
	root := t.TempDir()
	now := time.Now()
	oldest := cacheRepo(t, root, "aaaa", "acct", "oldest", 1000, now.Add(-72*time.Hour))
	older := cacheRepo(t, root, "aaaa", "acct", "older", 1000, now.Add(-48*time.Hour))
	newer := cacheRepo(t, root, "aaaa", "acct", "newer", 1000, now.Add(-24*time.Hour))
	// Used within the hour: a process may be installing into it.
	live := cacheRepo(t, root, "cccc", "acct", "live", 1000, now.Add(-time.Minute))
	Sweep(root, now, 1500)
	if exists(oldest) || exists(older) || exists(newer) {
		t.Errorf("over the bound, kept: oldest %v, older %v, newer %v", exists(oldest), exists(older), exists(newer))
	}
	if !exists(live) {
		t.Errorf("a folder used a minute ago is removed")
	}

	root = t.TempDir()
	oldest = cacheRepo(t, root, "aaaa", "acct", "oldest", 1000, now.Add(-72*time.Hour))
	older = cacheRepo(t, root, "aaaa", "acct", "older", 1000, now.Add(-48*time.Hour))
	newer = cacheRepo(t, root, "aaaa", "acct", "newer", 1000, now.Add(-24*time.Hour))
	Sweep(root, now, 2000)
	if exists(oldest) || !exists(older) || !exists(newer) {
		t.Errorf("3,000 bytes, bound 2,000: kept oldest %v, older %v, newer %v; want only the two used last", exists(oldest), exists(older), exists(newer))
	}
}

func TestSweepLeavesBuildsAndMendsAnUnfinishedSweep(t *testing.T) {
	root := t.TempDir()
	now := time.Now()
	build := filepath.Join(root, "tmp-base-1")
	died := filepath.Join(root, "tmp-base-2")
	trash := filepath.Join(root, trashPrefix+"0011")
	for _, p := range []string{build, died, trash} {
		if err := os.MkdirAll(filepath.Join(p, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(died, now.Add(-leftoverAge-time.Hour), now.Add(-leftoverAge-time.Hour)); err != nil {
		t.Fatal(err)
	}
	Sweep(root, now, MaxCacheBytes)
	if !exists(build) {
		t.Error("a base being built is removed")
	}
	if exists(died) {
		t.Error("a base build that died is kept")
	}
	if exists(trash) {
		t.Error("an unfinished sweep's folder is kept")
	}
}

func TestSweepIsDueOnceADay(t *testing.T) {
	root := t.TempDir()
	now := time.Now()
	if !SweepDue(root, now) {
		t.Fatal("a cache never swept is not due")
	}
	Sweep(root, now, MaxCacheBytes)
	if SweepDue(root, now.Add(SweepEvery-time.Minute)) {
		t.Error("due again before a day")
	}
	if !SweepDue(root, now.Add(SweepEvery)) {
		t.Error("not due a day later")
	}
}

func TestTouchKeepsAFolderInUse(t *testing.T) {
	root := t.TempDir()
	now := time.Now()
	dir := cacheRepo(t, root, "aaaa", "acct", "daily", 100, now.Add(-UnusedAge-time.Hour))
	Touch(dir, "0123", now)
	Sweep(root, now, MaxCacheBytes)
	if !exists(dir) {
		t.Fatal("a version used now is removed with its folder")
	}
	name := filepath.Join(dir, IdxName("0123"))
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	// A second use the same day writes nothing.
	Touch(dir, "0123", now.Add(time.Hour))
	if fi2, err := os.Stat(name); err != nil || !fi2.ModTime().Equal(fi.ModTime()) {
		t.Errorf("touched again within a day: %v → %v (%v)", fi.ModTime(), fi2.ModTime(), err)
	}
}
