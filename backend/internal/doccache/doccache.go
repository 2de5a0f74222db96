// Package doccache keeps the last large metadata document a store wrote,
// decoded, so that the next update of the same repository can skip
// reading and parsing tens of MB again. Both stores use it: aws knows a
// version of the document by the ETag S3 gave it, local by the stamp of
// its file.
package doccache

import (
	"sync"
	"time"
)

const (
	// MinSize is the encoded size from which a document is worth keeping;
	// smaller ones are cheap to read again.
	MinSize = 256 << 10
	// Idle is how long a kept document stays when nobody takes it.
	Idle = 30 * time.Second
)

// Cache holds at most one value: the document of one key (a repository)
// in the version named by a token, until it is taken, replaced, cleared
// or left alone for Idle. Its zero value is empty and ready; its methods
// are safe for concurrent use.
//
// A value is never shared between the cache and a caller: Keep hands it
// to the cache, Take hands it back and forgets it. So the taker may edit
// it in place, and an edit that fails is never served to anyone.
type Cache[K, T comparable, V any] struct {
	mu    sync.Mutex
	full  bool
	key   K
	token T
	val   V
	// gen counts Keeps, so that the timer of a replaced value drops nothing.
	gen  uint64
	stop func() bool
	// afterFunc stands in for time.AfterFunc in tests; nil means it.
	afterFunc func(d time.Duration, f func()) (stop func() bool)
}

// Take returns the value kept for key and its token, and empties the
// cache whether or not the key matched. ok is false if nothing was kept
// for key.
func (c *Cache[K, T, V]) Take(key K) (val V, token T, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.full && c.key == key {
		val, token, ok = c.val, c.token, true
	}
	c.drop()
	return val, token, ok
}

// Keep replaces what the cache holds with val, the document of key in the
// version token, for Idle at the most. The caller must not use val after.
func (c *Cache[K, T, V]) Keep(key K, token T, val V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drop()
	c.full, c.key, c.token, c.val = true, key, token, val
	c.gen++
	gen := c.gen
	after := c.afterFunc
	if after == nil {
		after = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	c.stop = after(Idle, func() { c.expire(gen) })
}

// Holds reports whether the cache holds a value for key, without taking it.
func (c *Cache[K, T, V]) Holds(key K) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.full && c.key == key
}

// Clear drops what the cache holds.
func (c *Cache[K, T, V]) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drop()
}

// expire drops the value kept by Keep number gen, if it is still there.
func (c *Cache[K, T, V]) expire(gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.drop()
	}
}

// drop empties the cache and stops its timer; c.mu is held.
func (c *Cache[K, T, V]) drop() {
	var (
		key   K
		token T
		val   V
	)
	c.full, c.key, c.token, c.val = false, key, token, val
	if c.stop != nil {
		c.stop()
		c.stop = nil
	}
}
