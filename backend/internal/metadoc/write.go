package metadoc

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"github.com/coopterm/coop/backend"
)

// Writer writes a document in coop's form: its head, its entries one per
// line, its tail. It counts what it wrote and, if OnEntry is set, tells
// where each entry went, so that an index of the new document can be
// built while it is written.
type Writer struct {
	w     *bufio.Writer
	n     int64
	count int64
	buf   []byte
	first bool
	last  string
	// OnEntry, if set, is called after each entry with its path and its
	// span in the document.
	OnEntry func(path string, start, end int64)
	// Unordered lets entries come in any order, for a document that will
	// be sorted later (see metaindex.BuildBase).
	Unordered bool
}

// NewWriter starts a document for repo, stamped now, with the top-level
// fields coop does not know (extra) kept.
func NewWriter(w io.Writer, repo backend.RepoRef, now time.Time, head backend.MetadataHead) (*Writer, error) {
	dw := &Writer{w: bufio.NewWriterSize(w, 1<<20), first: true}
	b, err := backend.AppendHead(nil, repo, now, head.Extra)
	if err != nil {
		return nil, err
	}
	return dw, dw.write(b)
}

func (w *Writer) write(b []byte) error {
	n, err := w.w.Write(b)
	w.n += int64(n)
	return err
}

// Entry writes one entry; paths must come in strictly increasing byte
// order, so that every document coop writes is sorted.
func (w *Writer) Entry(path string, raw []byte) error {
	if !w.first && path <= w.last && !w.Unordered {
		return fmt.Errorf("%w: entry %q written after %q", backend.ErrInvalid, path, w.last)
	}
	w.buf = backend.AppendEntry(w.buf[:0], w.first, path, raw)
	start := w.n
	if !w.first {
		start++ // the comma belongs to the previous entry
	}
	start++ // and the newline to none
	if err := w.write(w.buf); err != nil {
		return err
	}
	w.first, w.last = false, path
	w.count++
	if w.OnEntry != nil {
		w.OnEntry(path, start, w.n)
	}
	return nil
}

// Count is the number of entries written.
func (w *Writer) Count() int64 { return w.count }

// Close writes the tail and flushes; it does not close the underlying
// writer. It returns the document's length.
func (w *Writer) Close() (int64, error) {
	if err := w.write(backend.AppendTail(nil)); err != nil {
		return w.n, err
	}
	return w.n, w.w.Flush()
}

// Source yields a document's entries in byte order of paths, each once.
type Source func(yield func(path string, raw []byte) error) error

// Merge writes src with plan's writes applied: an entry the plan writes
// replaces the one of the same path (or is added in its place in the
// order), one it drops is left out, and every other entry is copied as it
// was. src must be sorted; so is the plan.
func Merge(w *Writer, src Source, writes []backend.PlannedEntry) error {
	i := 0
	var enc []byte
	emit := func(e backend.PlannedEntry) error {
		if e.Meta == nil {
			return nil
		}
		var err error
		if enc, err = e.Meta.AppendJSON(enc[:0]); err != nil {
			return fmt.Errorf("entry %q: %w", e.Path, err)
		}
		return w.Entry(e.Path, enc)
	}
	err := src(func(path string, raw []byte) error {
		for i < len(writes) && writes[i].Path < path {
			if err := emit(writes[i]); err != nil {
				return err
			}
			i++
		}
		if i < len(writes) && writes[i].Path == path {
			i++
			return emit(writes[i-1])
		}
		return w.Entry(path, raw)
	})
	if err != nil {
		return err
	}
	for ; i < len(writes); i++ {
		if err := emit(writes[i]); err != nil {
			return err
		}
	}
	return nil
}
