package metaindex

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/metadoc"
)

// runBytes bounds the entries an external sort holds in memory at once.
const runBytes = 32 << 20

// Build indexes the document in doc (of the given size) as version id in
// dir, for a document whose identity is ident. One pass reads it; when
// its entries are in order it serves as its own data (Facts.Data is
// empty, and Open needs it), else a second pass writes a sorted copy to
// DataName(id). Memory stays bounded whatever the document's size. Any
// error about the text wraps metadoc.ErrSyntax.
func Build(dir, id, ident string, doc io.ReaderAt, size int64) error {
	b := NewBuilder()
	r := io.TeeReader(io.NewSectionReader(doc, 0, size), b)
	head, err := metadoc.Scan(bufio.NewReaderSize(r, 1<<20), func(e metadoc.Entry) error {
		b.Add(e.Path, e.Start, e.End)
		return nil
	})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if b.Sorted {
		return b.Commit(dir, id, "", ident, head)
	}
	crc := b.crc
	sb, err := sortCopy(dir, id, doc, size, head)
	if err != nil {
		return err
	}
	sb.crc = crc // the document's, not the copy's
	return sb.Commit(dir, id, DataName(id), ident, head)
}

// sortCopy writes the entries of doc, sorted and without repeats (the
// last of a path wins), to DataName(id) in dir, by an external merge
// sort through run files, and returns the block table of the copy.
func sortCopy(dir, id string, doc io.ReaderAt, size int64, head backend.MetadataHead) (*Builder, error) {
	tmp, err := os.MkdirTemp(dir, "tmp-sort-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var (
		runs  []string
		chunk []record
		held  int
		seq   int64
	)
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		name, err := writeRun(tmp, len(runs), chunk)
		if err == nil {
			runs = append(runs, name)
		}
		chunk, held = chunk[:0], 0
		return err
	}
	_, err = metadoc.Scan(bufio.NewReaderSize(io.NewSectionReader(doc, 0, size), 1<<20), func(e metadoc.Entry) error {
		chunk = append(chunk, record{path: e.Path, raw: bytes.Clone(e.Raw), seq: seq})
		seq++
		held += len(e.Path) + len(e.Raw) + 64
		if held >= runBytes {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return nil, err
	}
	out, err := os.CreateTemp(dir, "tmp-*.json")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.Remove(out.Name()) }() // gone once renamed
	b := NewBuilder()
	w, err := metadoc.NewWriter(out, backend.RepoRef{}, time.Time{}, head)
	if err == nil {
		w.OnEntry = b.Add
		err = mergeRuns(runs, w)
	}
	if err == nil {
		_, err = w.Close()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(out.Name(), filepath.Join(dir, DataName(id)))
	}
	return b, err
}

// record is one entry in a run: seq orders repeats of a path.
type record struct {
	path string
	raw  []byte
	seq  int64
}

// writeRun sorts chunk and writes it as a run file of length-prefixed
// records, keeping only the last of each path.
func writeRun(dir string, n int, chunk []record) (string, error) {
	slices.SortFunc(chunk, func(a, b record) int {
		return cmp.Or(cmp.Compare(a.path, b.path), cmp.Compare(a.seq, b.seq))
	})
	name := filepath.Join(dir, fmt.Sprintf("run-%06d", n))
	f, err := os.Create(name)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i, r := range chunk {
		if i+1 < len(chunk) && chunk[i+1].path == r.path {
			continue // a later one of the same path wins
		}
		if err := writeRecord(w, r); err != nil {
			f.Close()
			return "", err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return "", err
	}
	return name, f.Close()
}

func writeRecord(w *bufio.Writer, r record) error {
	var hdr [binary.MaxVarintLen64 * 3]byte
	n := binary.PutUvarint(hdr[:], uint64(len(r.path)))
	n += binary.PutUvarint(hdr[n:], uint64(len(r.raw)))
	n += binary.PutUvarint(hdr[n:], uint64(r.seq))
	if _, err := w.Write(hdr[:n]); err != nil {
		return err
	}
	if _, err := w.WriteString(r.path); err != nil {
		return err
	}
	_, err := w.Write(r.raw)
	return err
}

// runReader reads one run file.
type runReader struct {
	f   *os.File
	r   *bufio.Reader
	cur record
}

func (rr *runReader) next() (bool, error) {
	lp, err := binary.ReadUvarint(rr.r)
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	lr, err := binary.ReadUvarint(rr.r)
	if err != nil {
		return false, err
	}
	seq, err := binary.ReadUvarint(rr.r)
	if err != nil {
		return false, err
	}
	buf := make([]byte, lp+lr)
	if _, err := io.ReadFull(rr.r, buf); err != nil {
		return false, err
	}
	rr.cur = record{path: string(buf[:lp]), raw: buf[lp:], seq: int64(seq)}
	return true, nil
}

// runHeap orders run readers by their current path, then by sequence.
type runHeap []*runReader

func (h runHeap) Len() int { return len(h) }
func (h runHeap) Less(i, j int) bool {
	return cmp.Or(cmp.Compare(h[i].cur.path, h[j].cur.path), cmp.Compare(h[i].cur.seq, h[j].cur.seq)) < 0
}
func (h runHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)   { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// mergeRuns writes the runs' records in order, the last (highest
// sequence) of each path only.
func mergeRuns(runs []string, w *metadoc.Writer) error {
	h := runHeap{}
	defer func() {
		for _, rr := range h {
			rr.f.Close()
		}
	}()
	for _, name := range runs {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		rr := &runReader{f: f, r: bufio.NewReaderSize(f, 64<<10)}
		ok, err := rr.next()
		if err != nil {
			f.Close()
			return err
		}
		if !ok {
			f.Close()
			continue
		}
		h = append(h, rr)
	}
	heap.Init(&h)
	var pending *record
	for h.Len() > 0 {
		rr := h[0]
		r := rr.cur
		if pending != nil && pending.path != r.path {
			if err := w.Entry(pending.path, pending.raw); err != nil {
				return err
			}
		}
		pending = &r
		ok, err := rr.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			rr.f.Close()
			heap.Pop(&h)
		}
	}
	if pending != nil {
		return w.Entry(pending.path, pending.raw)
	}
	return nil
}
