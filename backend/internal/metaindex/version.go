package metaindex

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/metadoc"
)

// Version is one indexed version of a document, open for reading. Its
// methods are safe for concurrent use; it serves what its data held
// when it was indexed.
type Version struct {
	db       *bolt.DB
	data     *os.File
	ownsData bool
	facts    Facts
	// Head is the document's top level.
	Head backend.MetadataHead

	mu         sync.Mutex
	verifiedAt time.Time // when the document's bytes were last checked against Facts.CRC
	// last is the block Raw read last, split into entries: a batch's
	// paths come in order (a listing's), so most lookups fall in the
	// block of the one before, which then costs neither a read nor a
	// scan. One block at most is held.
	last *scannedBlock
}

// scannedBlock is one block of the data, split into its entries.
type scannedBlock struct {
	block
	next  string   // first path of the block after; "" at the last
	paths []string // in order, each once (the last of repeats kept)
	raws  [][]byte
}

// holds reports whether path's floor block is b.
func (b *scannedBlock) holds(path string) bool {
	return path >= b.first && (b.next == "" || path < b.next)
}

// Open opens the index of version id in dir. doc is the document, open,
// used as the data when the index says the document is its own data
// (the caller keeps it open while the version is in use); it may be nil
// when the caller knows the data is a copy. ident must be the identity
// the index was built for.
func Open(dir, id, ident string, doc *os.File) (*Version, error) {
	db, err := bolt.Open(filepath.Join(dir, IdxName(id)), 0o444, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	v := &Version{db: db}
	if v.facts, err = readFacts(db); err != nil {
		_ = db.Close()
		return nil, err
	}
	if v.facts.Ident != ident {
		_ = db.Close()
		return nil, fmt.Errorf("%w: index of %q, want %q", ErrStale, v.facts.Ident, ident)
	}
	switch {
	case v.facts.Data != "":
		if v.data, err = os.Open(filepath.Join(dir, v.facts.Data)); err != nil {
			_ = db.Close()
			return nil, err
		}
		v.ownsData = true
	case doc == nil:
		_ = db.Close()
		return nil, fmt.Errorf("%w: the index reads the document itself", ErrStale)
	default:
		v.data = doc
	}
	fields := map[string][]byte{}
	for k, raw := range v.facts.Head {
		fields[k] = raw
	}
	v.Head = metadoc.DecodeHead(fields)
	return v, nil
}

// Close releases the index, and the data if it is a copy.
func (v *Version) Close() error {
	err := v.db.Close()
	if v.ownsData {
		if cerr := v.data.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// Facts returns what the index records of its version.
func (v *Version) Facts() Facts { return v.facts }

// Count is the number of entries.
func (v *Version) Count() int64 { return v.facts.Count }

// Verify checks that the document (read from doc) still has the bytes
// indexed, unless that was checked after settled: for a document whose
// stamp cannot tell a change made within the same tick of its clock. A
// check made at now, before settled, is made again next time.
func (v *Version) Verify(doc io.Reader, now, settled time.Time) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.verifiedAt.After(settled) {
		return nil
	}
	b := NewBuilder()
	if _, err := io.Copy(b, doc); err != nil {
		return err
	}
	if b.crc != v.facts.CRC {
		return fmt.Errorf("%w: the document changed without a new stamp", ErrStale)
	}
	v.verifiedAt = now
	return nil
}

// floor returns the block that would hold path: the last block whose
// first path is not after it; ok is false if path sorts before them all.
// next is the first path of the block after (empty at the last one).
func (v *Version) floor(path string) (b block, next string, ok bool, err error) {
	err = v.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketBlocks).Cursor()
		k, val := c.Seek(blockKey(path))
		if k == nil || !equalKey(k, path) {
			if k == nil {
				k, val = c.Last()
			} else {
				k, val = c.Prev()
			}
		}
		if k == nil {
			return nil
		}
		if b, err = decodeBlock(k, val); err != nil {
			return err
		}
		ok = true
		if nk, _ := c.Next(); nk != nil {
			next = string(nk[1:])
		}
		return nil
	})
	return b, next, ok, err
}

var errStop = errors.New("stop")

// Raw returns the raw entry of path. The slice is the caller's.
func (v *Version) Raw(path string) ([]byte, bool, error) {
	sb, err := v.blockOf(path)
	if err != nil || sb == nil {
		return nil, false, err
	}
	i, found := slices.BinarySearch(sb.paths, path)
	if !found {
		return nil, false, nil
	}
	return slices.Clone(sb.raws[i]), true, nil
}

// blockOf returns path's floor block, split into entries: the one Raw
// read last if it is that one, else read and scanned; nil if path sorts
// before every block.
func (v *Version) blockOf(path string) (*scannedBlock, error) {
	v.mu.Lock()
	sb := v.last
	v.mu.Unlock()
	if sb != nil && sb.holds(path) {
		return sb, nil
	}
	b, next, ok, err := v.floor(path)
	if err != nil || !ok {
		return nil, err
	}
	buf := make([]byte, b.end-b.start)
	if _, err := v.data.ReadAt(buf, b.start); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStale, err)
	}
	sb = &scannedBlock{block: b, next: next}
	err = metadoc.ScanEntriesIn(buf, func(e metadoc.Entry) error {
		if n := len(sb.paths); n > 0 && sb.paths[n-1] == e.Path {
			sb.raws[n-1] = e.Raw // last wins, as in the document's sorted copy there is one
			return nil
		}
		sb.paths = append(sb.paths, e.Path)
		sb.raws = append(sb.raws, e.Raw)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: block at %d: %w", ErrStale, b.start, err)
	}
	v.mu.Lock()
	v.last = sb
	v.mu.Unlock()
	return sb, nil
}

// Entry decodes the entry of path (see backend.MetadataView).
func (v *Version) Entry(path string) (backend.ObjectMeta, bool, error) {
	raw, ok, err := v.Raw(path)
	if err != nil || !ok {
		return backend.ObjectMeta{}, false, err
	}
	m, err := backend.DecodeObjectMeta(raw)
	return m, true, err
}

// EntryType tells the type of path's entry without decoding it, and
// whether there is one: what planning a removal needs (see
// backend.MetadataBatch.Plan).
func (v *Version) EntryType(path string) (backend.EntryType, bool, error) {
	sb, err := v.blockOf(path)
	if err != nil || sb == nil {
		return "", false, err
	}
	i, found := slices.BinarySearch(sb.paths, path)
	if !found {
		return "", false, nil
	}
	return metadoc.EntryType(sb.raws[i]), true, nil
}

// TypesFrom calls fn with the path and type of each entry from path from
// on, in byte order, until fn returns false, reading the data through
// buf (see metadoc.ScanEntriesWith; nil for a new one). Unlike EntryType
// it keeps no block and makes no buffer per block: the entries a batch
// delete removed are read in one run of the data.
func (v *Version) TypesFrom(from string, buf []byte, fn func(path string, t backend.EntryType) bool) error {
	start, _, err := v.startOf(from)
	if err != nil || start < 0 {
		return err
	}
	r := io.NewSectionReader(v.data, start, v.facts.DataEnd-start)
	err = metadoc.ScanEntriesWith(r, buf, func(e metadoc.Entry) error {
		if e.Path < from {
			return nil
		}
		if !fn(e.Path, metadoc.EntryType(e.Raw)) {
			return errStop
		}
		return nil
	})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// scan calls fn with the entries from path from on, in order. fn may
// stop, or ask to skip ahead to a later path.
func (v *Version) scan(from string, fn func(path string, raw []byte) (skipTo string, stop bool, err error)) error {
	for {
		start, next, err := v.startOf(from)
		if err != nil || start < 0 {
			return err
		}
		restart := ""
		r := io.NewSectionReader(v.data, start, v.facts.DataEnd-start)
		err = metadoc.ScanEntries(r, func(e metadoc.Entry) error {
			if e.Path < from {
				return nil
			}
			skip, stop, err := fn(e.Path, e.Raw)
			switch {
			case err != nil:
				return err
			case stop:
				return errStop
			case skip != "":
				from = skip
				if next != "" && skip > next {
					restart = skip // past this block: find its own
					return errStop
				}
			}
			return nil
		})
		if errors.Is(err, errStop) {
			err = nil
		}
		if err != nil || restart == "" {
			return err
		}
	}
}

// startOf is where the entries from path from on begin in the data: the
// start of the block holding from, or of the first block; negative if
// there are none. next is as floor says.
func (v *Version) startOf(from string) (start int64, next string, err error) {
	b, next, ok, err := v.floor(from)
	if err != nil {
		return 0, "", err
	}
	if ok {
		return b.start, next, nil
	}
	start, err = v.firstStart()
	return start, next, err
}

// firstStart is where the first block starts, -1 with no entries.
func (v *Version) firstStart() (int64, error) {
	start := int64(-1)
	err := v.db.View(func(tx *bolt.Tx) error {
		k, val := tx.Bucket(bucketBlocks).Cursor().First()
		if k == nil {
			return nil
		}
		b, err := decodeBlock(k, val)
		start = b.start
		return err
	})
	return start, err
}

// Under calls fn for the entries below folder (see backend.MetadataView).
func (v *Version) Under(folder string, fn func(string, backend.EntryType) bool) error {
	prefix := ""
	if folder != "" {
		prefix = folder + "/"
	}
	return v.scan(prefix, func(p string, raw []byte) (string, bool, error) {
		if !strings.HasPrefix(p, prefix) {
			return "", true, nil
		}
		return "", !fn(p, metadoc.EntryType(raw)), nil
	})
}

// Source yields every entry in order, raw.
func (v *Version) Source() metadoc.Source {
	return func(yield func(string, []byte) error) error {
		return v.scan("", func(p string, raw []byte) (string, bool, error) {
			return "", false, yield(p, raw)
		})
	}
}

// Walk calls fn with pages of the decoded entries at folder and below.
func (v *Version) Walk(folder string, fn func([]backend.MetadataEntry) error) error {
	var page []backend.MetadataEntry
	flush := func() error {
		if len(page) == 0 {
			return nil
		}
		err := fn(page)
		page = page[:0]
		return err
	}
	err := v.scan(folder, func(p string, raw []byte) (string, bool, error) {
		if folder != "" && p >= folder+"0" {
			return "", true, nil
		}
		if !backend.Within(p, folder) {
			return "", false, nil
		}
		m, err := backend.DecodeObjectMeta(raw)
		if err != nil {
			return "", false, err
		}
		page = append(page, backend.MetadataEntry{Path: p, Meta: m})
		if len(page) == backend.DefaultMetadataPage {
			return "", false, flush()
		}
		return "", false, nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// FolderPage returns one page of the entries directly in folder.
func (v *Version) FolderPage(folder string, req backend.PageRequest) (backend.Page[backend.MetadataEntry], error) {
	return metadoc.FolderPage(folder, req, v.scan)
}
