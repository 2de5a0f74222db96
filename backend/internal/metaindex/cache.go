package metaindex

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Cache keeps, for each repository (by index folder), the version of its
// document last used, open, so that every browser and SSH session of a
// process shares one index and lookups skip opening it. A version stays
// open while anyone holds it; a newer one replaces it for new callers.
// Its zero value is ready; it is safe for concurrent use.
type Cache struct {
	mu    sync.Mutex
	slots map[string]*slot
}

type slot struct {
	build sync.Mutex // one build or install at a time, per repository
	cur   *Handle
}

// Handle is a Version held by a caller; Release gives it back.
type Handle struct {
	*Version
	Ident   string
	doc     io.Closer // the document, when it is the data
	refs    int       // guarded by Cache.mu
	retired bool
	cache   *Cache
}

func (c *Cache) slot(dir string) *slot {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.slots == nil {
		c.slots = map[string]*slot{}
	}
	s := c.slots[dir]
	if s == nil {
		s = &slot{}
		c.slots[dir] = s
	}
	return s
}

// Get returns the version of dir whose identity is ident, held, or nil.
func (c *Cache) Get(dir, ident string) *Handle {
	s := c.slot(dir)
	c.mu.Lock()
	defer c.mu.Unlock()
	if h := s.cur; h != nil && h.Ident == ident {
		h.refs++
		return h
	}
	return nil
}

// Current returns dir's version last installed, held, or nil. It may be
// out of date: a caller that writes over it makes its write conditional
// on it.
func (c *Cache) Current(dir string) *Handle {
	s := c.slot(dir)
	c.mu.Lock()
	defer c.mu.Unlock()
	if h := s.cur; h != nil {
		h.refs++
		return h
	}
	return nil
}

// Lock takes dir's build lock, so that one caller builds a version while
// the others wait for it; it gives up when ctx ends.
func (c *Cache) Lock(ctx context.Context, dir string) (unlock func(), err error) {
	s := c.slot(dir)
	done := make(chan struct{})
	go func() {
		s.build.Lock()
		close(done)
	}()
	select {
	case <-done:
		return s.build.Unlock, nil
	case <-ctx.Done():
		go func() { <-done; s.build.Unlock() }()
		return nil, ctx.Err()
	}
}

// Install makes v (of identity ident, reading doc when doc is its data)
// dir's current version and returns it held. The version it replaces is
// closed once nobody holds it.
func (c *Cache) Install(dir, ident string, v *Version, doc io.Closer) *Handle {
	s := c.slot(dir)
	h := &Handle{Version: v, Ident: ident, doc: doc, refs: 1, cache: c}
	c.mu.Lock()
	old := s.cur
	s.cur = h
	h.refs++ // the slot's own hold
	var closeOld bool
	if old != nil {
		old.retired = true
		old.refs--
		closeOld = old.refs == 0
	}
	c.mu.Unlock()
	if closeOld {
		old.close()
	}
	return h
}

// Release gives the handle back.
func (h *Handle) Release() {
	c := h.cache
	c.mu.Lock()
	h.refs--
	done := h.refs == 0 && h.retired
	c.mu.Unlock()
	if done {
		h.close()
	}
}

func (h *Handle) close() {
	_ = h.Close()
	if h.doc != nil {
		_ = h.doc.Close()
	}
}

// Drop forgets dir's version of identity ident, found out of date, and
// removes its files, so that the next caller builds it again.
func (c *Cache) Drop(dir, ident string) {
	id := IDOf(ident)
	s := c.slot(dir)
	c.mu.Lock()
	h := s.cur
	closeIt := false
	if h != nil && h.Ident == ident {
		s.cur = nil
		h.retired = true
		h.refs--
		closeIt = h.refs == 0
	}
	c.mu.Unlock()
	if closeIt {
		h.close()
	}
	for _, n := range []string{IdxName(id), DataName(id), DocName(id)} {
		_ = os.Remove(filepath.Join(dir, n))
	}
}

// With calls fn with the version open gives for the repository indexed
// in dir. If fn finds the document changed under the index (ErrStale:
// another tool wrote it in place), that version is dropped and fn called
// again on a new one, at most three times in all.
func (c *Cache) With(dir string, open func() (*Handle, error), fn func(h *Handle) error) error {
	for attempt := 0; ; attempt++ {
		h, err := open()
		if err != nil {
			return err
		}
		err = fn(h)
		h.Release()
		if !errors.Is(err, ErrStale) || attempt >= 2 {
			return err
		}
		c.Drop(dir, h.Ident)
	}
}

// Clear closes every version nobody holds and forgets them all.
func (c *Cache) Clear() {
	c.mu.Lock()
	var closing []*Handle
	for _, s := range c.slots {
		if h := s.cur; h != nil {
			h.retired = true
			h.refs--
			if h.refs == 0 {
				closing = append(closing, h)
			}
			s.cur = nil
		}
	}
	c.mu.Unlock()
	for _, h := range closing {
		h.close()
	}
}

// Prune removes from dir the files of every version but keep's, and
// leftovers of builds that did not finish. Another process may still
// read a removed version: its open files stay readable until closed.
func Prune(dir, keep string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		n := e.Name()
		if n == IdxName(keep) || n == DataName(keep) || n == DocName(keep) {
			continue
		}
		switch {
		case strings.HasPrefix(n, "v-") || strings.HasPrefix(n, "d-"):
			_ = os.RemoveAll(filepath.Join(dir, n))
		case strings.HasPrefix(n, "tmp-"):
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > leftoverAge {
				_ = os.RemoveAll(filepath.Join(dir, n)) // a build that died
			}
		}
	}
}

// leftoverAge is how old a temporary file must be to be taken for the
// leftover of a build that died: no build of a live process runs so long.
const leftoverAge = 24 * time.Hour

// IDOf is the short name of the version of identity ident, used in the
// names of its files.
func IDOf(ident string) string {
	sum := sha256.Sum256([]byte(ident))
	return hex.EncodeToString(sum[:12])
}

// DocName names a local copy of a document (S3's) in its index folder.
func DocName(id string) string { return "d-" + id + ".json" }
