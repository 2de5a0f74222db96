// Package metaindex keeps an on-disk index of one version of a metadata
// document, so that one entry or one folder costs O(log N) and a rewrite
// streams, whatever the size of the document.
//
// A version is two things in a repository's index folder: its entries in
// byte order of paths — the document itself when coop wrote it (coop
// always writes sorted documents), else a sorted copy, v-ID.json — and a
// small bbolt file, v-ID.idx, holding one key per block of about 64
// entries (the first path of the block and where the block lies in the
// data) and the document's top-level fields. A lookup finds the block in
// bbolt and reads 32 KB; a walk reads the data in order.
//
// Index files are written once, to a temporary name, and renamed into
// place; they are never changed after, so any number of processes read
// them with bbolt's shared lock and nobody waits. A version is named by
// the identity of the document it indexes (its stamp on disk, its ETag on
// S3), so a changed document is never served from an old index.
package metaindex

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/metadoc"
)

// Block bounds: a block ends after blockEntries entries or once it holds
// blockBytes, whichever comes first.
const (
	blockEntries = 64
	blockBytes   = 32 << 10
	format       = "coop-metaindex-1"
)

var (
	bucketBlocks = []byte("blocks")
	bucketMeta   = []byte("meta")
	keyFacts     = []byte("facts")
)

// ErrStale is returned when a version's data no longer reads as it did
// when it was indexed (a document changed in place under the index): the
// caller takes the document's identity again.
var ErrStale = errors.New("metadata index out of date")

// Facts describe one indexed version.
type Facts struct {
	Format string `json:"format"`
	// Ident is the identity of the document indexed.
	Ident string `json:"ident"`
	// Data is the name of the sorted data file in the index folder, ""
	// when the document itself is sorted and serves as data.
	Data string `json:"data,omitempty"`
	// DataEnd is where the last entry ends in the data.
	DataEnd int64 `json:"data_end"`
	// Count is the number of entries.
	Count int64 `json:"count"`
	// CRC is the CRC-32C of the document's bytes.
	CRC uint32 `json:"crc"`
	// Head holds the document's top-level fields other than objects.
	Head map[string]json.RawMessage `json:"head"`
	// Built is when the index was made.
	Built time.Time `json:"built"`
}

// block is one entry of the block table.
type block struct {
	first      string
	start, end int64
}

func blockKey(path string) []byte { return append([]byte{'k'}, path...) }

func encodeBlock(b block) []byte {
	v := make([]byte, 16)
	binary.BigEndian.PutUint64(v, uint64(b.start))
	binary.BigEndian.PutUint64(v[8:], uint64(b.end))
	return v
}

func decodeBlock(k, v []byte) (block, error) {
	if len(k) < 1 || len(v) != 16 {
		return block{}, fmt.Errorf("%w: bad block record", ErrStale)
	}
	return block{first: string(k[1:]), start: int64(binary.BigEndian.Uint64(v)), end: int64(binary.BigEndian.Uint64(v[8:]))}, nil
}

// Builder gathers the block table while entries are written or scanned
// in byte order, and the CRC-32C of the document's bytes.
type Builder struct {
	blocks []block
	cur    block
	n      int // entries in cur
	count  int64
	end    int64
	last   string
	crc    uint32
	head   backend.MetadataHead // as written, by WriteDoc
	// Sorted stays true while the entries come in strictly increasing
	// order of paths.
	Sorted bool
}

// NewBuilder starts an empty table.
func NewBuilder() *Builder { return &Builder{Sorted: true} }

// Write adds document bytes to the CRC; it never fails. (The table is
// asked for here, not kept in a package variable: crc32 builds it once, on
// first use, instead of in every command's start, 0.18 ms.)
func (b *Builder) Write(p []byte) (int, error) {
	b.crc = crc32.Update(b.crc, crc32.MakeTable(crc32.Castagnoli), p)
	return len(p), nil
}

// Add records the entry of path, spanning [start, end) of the data.
func (b *Builder) Add(path string, start, end int64) {
	if b.count > 0 && path <= b.last {
		b.Sorted = false
	}
	b.last = path
	if b.n == 0 {
		b.cur = block{first: path, start: start}
	}
	b.cur.end = end
	b.n++
	b.count++
	b.end = end
	if b.n >= blockEntries || b.cur.end-b.cur.start >= blockBytes {
		b.blocks = append(b.blocks, b.cur)
		b.n = 0
	}
}

// Head is the head WriteDoc wrote.
func (b *Builder) Head() backend.MetadataHead { return b.head }

// Count is the number of entries added.
func (b *Builder) Count() int64 { return b.count }

func (b *Builder) finish() []block {
	if b.n > 0 {
		b.blocks = append(b.blocks, b.cur)
		b.n = 0
	}
	return b.blocks
}

// IdxName and DataName name a version's files in its index folder.
func IdxName(id string) string  { return "v-" + id + ".idx" }
func DataName(id string) string { return "v-" + id + ".json" }

// Commit writes the index of version id — the builder's blocks over
// data (a file in dir, or "" for the document itself) — to dir, under a
// temporary name renamed into place.
func (b *Builder) Commit(dir, id, data string, ident string, head backend.MetadataHead) error {
	blocks := b.finish()
	facts := Facts{Format: format, Ident: ident, Data: data, DataEnd: b.end, Count: b.count, CRC: b.crc,
		Head: headFields(head), Built: time.Now().UTC()}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "tmp-*.idx")
	if err != nil {
		return err
	}
	name := tmp.Name()
	tmp.Close()
	defer func() { _ = os.Remove(name) }() // gone once renamed
	// An index is a cache: it is not synced (a torn one fails to open or
	// to check, and is built again).
	db, err := bolt.Open(name, 0o644, &bolt.Options{Timeout: time.Second, NoSync: true, NoFreelistSync: true})
	if err != nil {
		return fmt.Errorf("index %s: %w", name, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucket(bucketBlocks)
		if err != nil {
			return err
		}
		bk.FillPercent = 1 // keys come in order
		for _, bl := range blocks {
			if err := bk.Put(blockKey(bl.first), encodeBlock(bl)); err != nil {
				return err
			}
		}
		m, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		raw, err := json.Marshal(facts)
		if err != nil {
			return err
		}
		return m.Put(keyFacts, raw)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("index %s: %w", name, err)
	}
	return os.Rename(name, filepath.Join(dir, IdxName(id)))
}

// headFields turns a head back into the fields it was read from.
func headFields(h backend.MetadataHead) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range h.Extra {
		out[k] = v
	}
	str := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	out["repository_id"] = str(h.RepositoryID)
	out["account_id"] = str(h.AccountID)
	if !h.LastUpdated.IsZero() {
		out["last_updated"] = str(backend.FormatTime(h.LastUpdated))
	}
	return out
}

// readFacts reads the facts of an open index.
func readFacts(db *bolt.DB) (Facts, error) {
	var f Facts
	err := db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		if m == nil || tx.Bucket(bucketBlocks) == nil {
			return fmt.Errorf("%w: not an index", ErrStale)
		}
		return json.Unmarshal(m.Get(keyFacts), &f)
	})
	if err == nil && f.Format != format {
		err = fmt.Errorf("%w: index format %q", ErrStale, f.Format)
	}
	return f, err
}

func equalKey(k []byte, path string) bool {
	return len(k) == len(path)+1 && bytes.Equal(k[1:], []byte(path))
}

// WriteDoc writes repo's document, stamped now, with head's unknown
// fields, src's entries and writes applied (see metadoc.Merge), to w. It
// returns the block table and CRC of what it wrote, ready to Commit as
// the index of the new version once its identity is known.
func WriteDoc(w io.Writer, repo backend.RepoRef, now time.Time, head backend.MetadataHead, src metadoc.Source, writes []backend.PlannedEntry) (*Builder, error) {
	b := NewBuilder()
	b.head = head
	b.head.RepositoryID, b.head.AccountID, b.head.LastUpdated = repo.RepositoryID, repo.AccountID, now.UTC()
	dw, err := metadoc.NewWriter(io.MultiWriter(w, b), repo, now, head)
	if err != nil {
		return nil, err
	}
	dw.OnEntry = b.Add
	if err := metadoc.Merge(dw, src, writes); err != nil {
		return nil, err
	}
	if _, err := dw.Close(); err != nil {
		return nil, err
	}
	return b, nil
}
