package local

import (
	"sync"
	"time"

	"github.com/coopterm/coop/backend"
)

// Metadata documents smaller than docCacheMin are cheap to re-read; larger
// ones are kept after a write for docCacheIdle.
const (
	docCacheMin  = 256 << 10
	docCacheIdle = 30 * time.Second
)

// fileStamp identifies one version of a file. Every write replaces the
// metadata file by renaming a new file over it, so its inode changes too.
type fileStamp struct {
	dev, ino, size, mtime, ctime int64
}

// docCache keeps the parsed metadata document this Store wrote last, so
// the next update of that repository (an upload flushes about once a
// second) skips reading and parsing tens of MB when the file is still the
// one written. It is used only under the repository's lock, and a taken
// document belongs to the taker.
type docCache struct {
	mu    sync.Mutex
	ref   backend.RepoRef
	stamp fileStamp
	doc   *backend.SourceMetadata
	timer *time.Timer
}

// take returns the cached document of ref if the file on disk still has
// the stamp it was written with, and empties the cache either way.
func (c *docCache) take(ref backend.RepoRef, path string) *backend.SourceMetadata {
	c.mu.Lock()
	defer c.mu.Unlock()
	doc := c.doc
	ok := doc != nil && c.ref == ref
	c.doc = nil
	if !ok {
		return nil
	}
	if st, found := statStamp(path); !found || st != c.stamp {
		return nil
	}
	return doc
}

// keep caches doc as the content of path, just written for ref.
func (c *docCache) keep(ref backend.RepoRef, path string, doc *backend.SourceMetadata) {
	st, ok := statStamp(path)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !ok {
		c.doc = nil
		return
	}
	c.ref, c.stamp, c.doc = ref, st, doc
	if c.timer == nil {
		c.timer = time.AfterFunc(docCacheIdle, c.clear)
	} else {
		c.timer.Reset(docCacheIdle)
	}
}

// clear drops the cached document.
func (c *docCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.doc = nil
	if c.timer != nil {
		c.timer.Stop()
	}
}
