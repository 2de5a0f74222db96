package content

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/humanize"
)

// Errors a preview fails with. Each is wrapped with the reason, in one
// line.
var (
	// ErrMalformed: the content is not what its format says (truncated,
	// lying about its own layout, or simply not that format).
	ErrMalformed = errors.New("malformed")
	// ErrBudget: the preview would need more bytes than Options.MaxBytes.
	ErrBudget = errors.New("over the preview budget")
)

// Ranger reads byte ranges of one object: the one interface through which
// this package reads anything.
type Ranger interface {
	// ReadRange returns the n bytes of the object from off; fewer only
	// when the object ends first.
	ReadRange(ctx context.Context, off, n int64) ([]byte, error)
}

// StoreRanger reads an object of store with ranged GETs
// (backend.GetObjectRange: one ranged request on a store that has the
// RangeGetter capability, else the object opened and skipped to off).
// With etag set, a read fails with backend.ErrObjectChanged once the
// object has been replaced, so that two reads never mix two versions.
func StoreRanger(store backend.StorageClient, repo backend.RepoRef, path, etag string) Ranger {
	return storeRanger{store: store, repo: repo, path: path, etag: etag}
}

type storeRanger struct {
	store backend.StorageClient
	repo  backend.RepoRef
	path  string
	etag  string
}

// ReadRange reads n bytes from off with one request. n is bounded by the
// caller's budget, so the buffer is too.
func (s storeRanger) ReadRange(ctx context.Context, off, n int64) ([]byte, error) {
	rc, err := backend.GetObjectRange(ctx, s.store, s.repo, s.path, off, n, s.etag)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	buf := make([]byte, n)
	got, err := io.ReadFull(rc, buf)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s at %d: %w", s.path, off, err)
	}
	return buf[:got], nil
}

// BytesRanger serves an object held in memory: for tests, fuzzing, and
// content that is already at hand.
type BytesRanger []byte

// ReadRange returns a copy of b[off:off+n].
func (b BytesRanger) ReadRange(_ context.Context, off, n int64) ([]byte, error) {
	if off < 0 || n < 0 {
		return nil, fmt.Errorf("read at %d: negative range", off)
	}
	if off >= int64(len(b)) {
		return nil, nil
	}
	end := min(off+n, int64(len(b)))
	return append([]byte(nil), b[off:end]...), nil
}

// Stats says what a preview cost.
type Stats struct {
	BytesRead int64 `json:"bytes_read"`
	Requests  int   `json:"requests"`
}

// minFetch is the least one request asks for: a reader that walks a
// structure in small steps (TIFF IFDs, say) then needs few requests.
const minFetch = 16 << 10

// reader is one preview's view of an object: reads at any offset, served
// from what was already fetched where possible, each fetch counted
// against the budget. It is not safe for concurrent use.
type reader struct {
	ctx    context.Context
	src    Ranger
	size   int64
	budget int64 // bytes that may still be fetched
	limit  int64 // the whole budget, for messages
	held   []segment
	stats  Stats
}

type segment struct {
	off  int64
	data []byte
}

func newReader(ctx context.Context, src Ranger, size, budget int64) *reader {
	return &reader{ctx: ctx, src: src, size: size, budget: budget, limit: budget}
}

// at returns n bytes from off: fewer only at the end of the object, an
// error if off is outside it or the bytes do not fit the budget. The
// slice is shared: callers must not change it.
func (r *reader) at(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off > r.size {
		return nil, fmt.Errorf("%w: offset %d is outside the %d-byte file", ErrMalformed, off, r.size)
	}
	n = min(n, r.size-off)
	if n == 0 {
		return nil, nil
	}
	if b := r.heldFrom(off); int64(len(b)) >= n {
		return b[:n], nil
	}
	// Fetch only what is missing before a held segment that has the
	// rest (a footer longer than the tail read first, say).
	for _, s := range r.held {
		if s.off > off && s.off < off+n && s.off+int64(len(s.data)) >= off+n {
			head, err := r.fetch(off, s.off-off, s.off-off)
			if err != nil {
				return nil, err
			}
			joined := append(head[:s.off-off:s.off-off], s.data[:off+n-s.off]...)
			r.held = append(r.held, segment{off: off, data: joined})
			return joined, nil
		}
	}
	data, err := r.fetch(off, n, max(n, minFetch))
	if err != nil {
		return nil, err
	}
	r.held = append(r.held, segment{off: off, data: data})
	return data[:n], nil
}

// heldFrom returns the bytes already fetched from off on, as far as one
// fetched segment goes.
func (r *reader) heldFrom(off int64) []byte {
	var best []byte
	for _, s := range r.held {
		if off >= s.off && off < s.off+int64(len(s.data)) && s.off+int64(len(s.data))-off > int64(len(best)) {
			best = s.data[off-s.off:]
		}
	}
	return best
}

// fetch reads at least need and at most want bytes from off with one
// request, within the budget and the file.
func (r *reader) fetch(off, need, want int64) ([]byte, error) {
	if need > r.budget {
		return nil, r.overBudget("reading", need)
	}
	want = min(want, r.budget, r.size-off)
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	data, err := r.src.ReadRange(r.ctx, off, want)
	r.stats.Requests++
	r.stats.BytesRead += int64(len(data))
	r.budget -= int64(len(data))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) < need {
		return nil, fmt.Errorf("%w: the file ended at byte %d, before its stated size of %d bytes (changed while read?)",
			ErrMalformed, off+int64(len(data)), r.size)
	}
	return data, nil
}

// prefetch fetches [off, off+n) in one request, clamped to the file and
// the budget, so that the reads that follow are served from it.
func (r *reader) prefetch(off, n int64) error {
	n = min(n, r.size-off, r.budget)
	if n <= 0 || off < 0 {
		return nil
	}
	_, err := r.at(off, n)
	return err
}

// overBudget says what would not fit.
func (r *reader) overBudget(what string, n int64) error {
	return fmt.Errorf("%w: %s %s is more than the %s a preview may read", ErrBudget, what, humanize.Bytes(n), humanize.Bytes(r.limit))
}
