package metaindex

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The cache root holds one folder per store (endpoint and bucket), then
// one per account and repository, each with the files of one version.
// Prune keeps each repository's folder to one version, but nothing else
// removes folders: a store no longer used (a test server's port, a bucket
// given up) or a repository deleted elsewhere would stay forever. Sweep
// bounds the whole cache.
const (
	// SweepEvery is how often a cache root is swept at most; the time of
	// the last sweep is its marker file's.
	SweepEvery = 24 * time.Hour
	// UnusedAge is how long a repository's folder may go unused before it
	// is removed. Using a cached version touches it (Touch), so a folder
	// read every day is kept however old its version is.
	UnusedAge = 30 * 24 * time.Hour
	// MaxCacheBytes bounds the cache: above it, the folders used longest
	// ago go first.
	MaxCacheBytes = 4 << 30
	// inUseAge protects a folder used this recently from the size bound:
	// a live process may be installing into it.
	inUseAge = time.Hour
	// touchAfter is how stale a version's time may be before Touch renews
	// it: at most one write a day per repository, whatever the reads.
	touchAfter = 24 * time.Hour
)

const (
	sweptName   = ".swept"
	trashPrefix = ".trash-"
)

// Touch records that the version id in dir was used now, if its time is
// older than a day; Sweep keeps folders by that time.
func Touch(dir, id string, now time.Time) {
	name := filepath.Join(dir, IdxName(id))
	fi, err := os.Stat(name)
	if err != nil || now.Sub(fi.ModTime()) < touchAfter {
		return
	}
	_ = os.Chtimes(name, now, now)
}

// SweepDue reports whether root was last swept SweepEvery ago or more
// (or never): one stat, cheap enough for every index built.
func SweepDue(root string, now time.Time) bool {
	fi, err := os.Stat(filepath.Join(root, sweptName))
	return err != nil || now.Sub(fi.ModTime()) >= SweepEvery
}

// Sweep removes from the cache under root the repository folders unused
// for UnusedAge, then, while the rest is over maxBytes, the folders used
// longest ago (never one used within the last hour), and the store and
// account folders left empty. A folder is moved aside before it is
// removed, so a process that reads it meanwhile finds it whole or absent
// (it then builds the index again); another process's open files stay
// readable. Errors leave things as they are: this is a cache.
func Sweep(root string, now time.Time, maxBytes int64) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return
	}
	marker := filepath.Join(root, sweptName)
	if f, err := os.Create(marker); err == nil {
		_ = f.Close()
	}
	_ = os.Chtimes(marker, now, now)
	var repos []repoDir
	stores, _ := os.ReadDir(root)
	for _, st := range stores {
		name := st.Name()
		path := filepath.Join(root, name)
		switch {
		case strings.HasPrefix(name, trashPrefix):
			_ = os.RemoveAll(path) // a sweep that did not finish
			continue
		case strings.HasPrefix(name, "tmp-"):
			if fi, err := st.Info(); err == nil && now.Sub(fi.ModTime()) > leftoverAge {
				_ = os.RemoveAll(path) // a base build that died
			}
			continue
		case !st.IsDir():
			continue
		}
		repos = append(repos, storeRepos(path)...)
	}
	// Oldest use first.
	slices.SortFunc(repos, func(a, b repoDir) int { return a.used.Compare(b.used) })
	var total int64
	for _, r := range repos {
		total += r.bytes
	}
	for _, r := range repos {
		age := now.Sub(r.used)
		if age < UnusedAge && (total <= maxBytes || age < inUseAge) {
			continue
		}
		if remove(root, r.path) {
			total -= r.bytes
		}
	}
	for _, st := range stores {
		if st.IsDir() && !strings.HasPrefix(st.Name(), trashPrefix) && !strings.HasPrefix(st.Name(), "tmp-") {
			removeEmpty(filepath.Join(root, st.Name()), now)
		}
	}
}

// repoDir is a repository's folder in the cache: its size and the time
// of its latest use (the newest time of its files, or its own).
type repoDir struct {
	path  string
	bytes int64
	used  time.Time
}

// storeRepos lists the repository folders of a store's folder.
func storeRepos(store string) []repoDir {
	var out []repoDir
	accounts, _ := os.ReadDir(store)
	for _, a := range accounts {
		if !a.IsDir() {
			continue
		}
		repos, _ := os.ReadDir(filepath.Join(store, a.Name()))
		for _, r := range repos {
			if !r.IsDir() {
				continue
			}
			path := filepath.Join(store, a.Name(), r.Name())
			d := repoDir{path: path}
			if fi, err := r.Info(); err == nil {
				d.used = fi.ModTime()
			}
			files, _ := os.ReadDir(path)
			for _, f := range files {
				fi, err := f.Info()
				if err != nil {
					continue
				}
				d.bytes += fi.Size()
				if fi.ModTime().After(d.used) {
					d.used = fi.ModTime()
				}
			}
			out = append(out, d)
		}
	}
	return out
}

// remove moves path aside under root, then removes it.
func remove(root, path string) bool {
	var b [8]byte
	_, _ = rand.Read(b[:])
	trash := filepath.Join(root, trashPrefix+hex.EncodeToString(b[:]))
	if err := os.Rename(path, trash); err != nil {
		return false
	}
	_ = os.RemoveAll(trash)
	return true
}

// removeEmpty removes a store's folder's empty account folders and then
// the store's folder if it is empty, each only if unchanged for an hour:
// a process may have just made it to install into it.
func removeEmpty(store string, now time.Time) {
	accounts, _ := os.ReadDir(store)
	for _, a := range accounts {
		removeIfIdle(filepath.Join(store, a.Name()), now)
	}
	removeIfIdle(store, now)
}

// removeIfIdle removes dir if it is empty and unchanged for inUseAge.
func removeIfIdle(dir string, now time.Time) {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() || now.Sub(fi.ModTime()) < inUseAge {
		return
	}
	_ = os.Remove(dir) // fails, harmlessly, unless empty
}
