package local

import (
	"strings"
	"sync"
	"time"
)

// dirStamp identifies one state of a folder: any change to its entries
// changes its mtime and ctime, and ctime cannot be set back by tools.
type dirStamp struct {
	dev, ino     uint64
	mtime, ctime int64
	size         int64
}

// dirListing is a cached, sorted listing of one folder in one state. Its
// keys are never modified once stored, so they are shared without copying.
type dirListing struct {
	stamp dirStamp
	keys  []string
	used  uint64
}

// dirCache keeps the sorted listings of the few folders paged through
// most recently, so that page N of a 100,000-entry folder is a binary
// search instead of a fresh read and sort. It belongs to one Store.
type dirCache struct {
	mu         sync.Mutex
	max        int
	racyWindow time.Duration
	tick       uint64
	items      map[string]*dirListing
	builds     int // listings stored, for tests
}

func newDirCache(folders int) *dirCache {
	return &dirCache{max: max(folders, 0), racyWindow: time.Second, items: map[string]*dirListing{}}
}

// get returns the cached keys of folder abs if its stamp still matches.
func (c *dirCache) get(abs string, stamp dirStamp) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.items[abs]
	if !ok || l.stamp != stamp {
		return nil, false
	}
	c.tick++
	l.used = c.tick
	return l.keys, true
}

// put stores a listing if it is stable (taken well after the folder last
// changed), evicting the least recently used one when full.
func (c *dirCache) put(abs string, stamp dirStamp, keys []string, stable bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !stable || c.max == 0 {
		delete(c.items, abs)
		return
	}
	if _, ok := c.items[abs]; !ok && len(c.items) >= c.max {
		var oldest string
		var used uint64
		for k, l := range c.items {
			if oldest == "" || l.used < used {
				oldest, used = k, l.used
			}
		}
		delete(c.items, oldest)
	}
	c.tick++
	c.builds++
	c.items[abs] = &dirListing{stamp: stamp, keys: keys, used: c.tick}
}

// invalidate drops the listings of folder dir and everything below it.
func (c *dirCache) invalidate(dir string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.items {
		if k == dir || strings.HasPrefix(k, dir+"/") {
			delete(c.items, k)
		}
	}
}

// clear drops every listing.
func (c *dirCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.items)
}
