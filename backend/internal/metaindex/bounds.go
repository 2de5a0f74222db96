package metaindex

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bounds returns paths under prefix that split the entries there into
// runs of at most every × blockEntries: the first path of every
// every-th block, counted from the block holding the first entry under
// prefix, in byte order. A listing split at them (each run from after
// one bound up to the next) reads the runs at once instead of one page
// after another. They are hints: any increasing paths split a listing
// into parts that cover it whole, so a version out of date only makes
// the runs uneven.
func (v *Version) Bounds(prefix string, every int) []string {
	return bounds(v.db, prefix, every)
}

// LatestBounds is Bounds of the version last indexed in dir, whichever
// it is, without asking whether it is current (no round trip): nil if
// dir holds none that opens at once.
func LatestBounds(dir, prefix string, every int) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var name string
	var newest time.Time
	for _, e := range ents {
		n := e.Name()
		if !strings.HasPrefix(n, "v-") || !strings.HasSuffix(n, ".idx") {
			continue
		}
		if fi, err := e.Info(); err == nil && (name == "" || fi.ModTime().After(newest)) {
			name, newest = n, fi.ModTime()
		}
	}
	if name == "" {
		return nil
	}
	// A file being written is never renamed into place, so no lock is
	// waited for; a hint is not worth waiting for anyway.
	db, err := bolt.Open(filepath.Join(dir, name), 0o444, &bolt.Options{ReadOnly: true, Timeout: 50 * time.Millisecond})
	if err != nil {
		return nil
	}
	defer func() { _ = db.Close() }()
	if f, err := readFacts(db); err != nil || f.Format != format {
		return nil
	}
	return bounds(db, prefix, every)
}

func bounds(db *bolt.DB, prefix string, every int) []string {
	if every < 1 {
		return nil
	}
	var out []string
	_ = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketBlocks)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		n := 0
		k, _ := c.Seek(blockKey(prefix))
		if k == nil {
			return nil // no block starts under prefix
		}
		if !equalKey(k, prefix) {
			// The block before, if any, may hold the first entries under
			// prefix: it counts as the first.
			if pk, _ := c.Prev(); pk != nil {
				n = 1
			}
			k, _ = c.Seek(blockKey(prefix))
		}
		for ; k != nil && strings.HasPrefix(string(k[1:]), prefix); k, _ = c.Next() {
			if n > 0 && n%every == 0 {
				out = append(out, string(k[1:]))
			}
			n++
		}
		return nil
	})
	return out
}
