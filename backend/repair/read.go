package repair

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/coopterm/coop/backend"
)

// readBuffer is what one reader reads at a time.
const readBuffer = 256 << 10

// progressEvery spaces Progress calls while objects are read.
const progressEvery = 100 * time.Millisecond

// reader reads objects with a bounded number of workers.
type reader struct {
	store    Store
	repo     backend.RepoRef
	workers  int
	progress func(Progress)
	// found, if set, is given each object read (for Entries, which
	// records every object, not only those whose entry is wrong).
	found func(backend.ObjectInfo)

	// Totals, set by readAll's collector.
	read  int
	bytes int64
}

// result is one object read: the fix it calls for (ok false if none),
// or why it could not be read.
type result struct {
	fix  fix
	ok   bool
	n    int64
	fail *Failure
}

// readAll reads items, workers at a time, and returns the fixes they
// call for and the objects that could not be read. Only the fixes are
// kept, never the contents. It fails only if ctx ends.
func (r *reader) readAll(ctx context.Context, items []readItem) ([]fix, []Failure, error) {
	todo := make(chan readItem)
	go func() {
		defer close(todo)
		for _, it := range items {
			select {
			case todo <- it:
			case <-ctx.Done():
				return
			}
		}
	}()
	total := func() int { return len(items) }
	return r.run(ctx, todo, total)
}

// run reads the items sent on todo, workers at a time, until todo is
// closed, and returns the fixes they call for and the objects that could
// not be read. total says how many items there are, as far as known. It
// fails only if ctx ends (the sender must then stop sending).
func (r *reader) run(ctx context.Context, todo <-chan readItem, total func() int) ([]fix, []Failure, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan result, r.workers)
	var wg sync.WaitGroup
	for range r.workers {
		wg.Go(func() {
			var buf, head []byte // made for the worker's first object: often there is none
			for it := range todo {
				if ctx.Err() != nil {
					continue // drain: the sender stops on its own
				}
				if buf == nil {
					buf, head = make([]byte, readBuffer), make([]byte, 0, backend.SniffLen)
				}
				results <- r.one(ctx, it, buf, head)
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	var (
		fixes  []fix
		failed []Failure
		last   time.Time
	)
	for res := range results {
		r.read++
		r.bytes += res.n
		switch {
		case res.fail != nil:
			failed = append(failed, *res.fail)
		case res.ok && r.found != nil && res.fix.info != nil:
			r.found(*res.fix.info) // recorded at once, not kept
		case res.ok:
			fixes = append(fixes, res.fix)
		}
		if now := time.Now(); now.Sub(last) >= progressEvery || r.read == total() {
			last = now
			r.progress(Progress{Phase: "read", Done: r.read, Total: total(), Bytes: r.bytes})
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return fixes, failed, nil
}

// one reads an object and works out the fix it calls for. An object gone
// since the listing loses its entry, if it had one.
func (r *reader) one(ctx context.Context, it readItem, buf, head []byte) result {
	info, err := r.hash(ctx, it.path, buf, head)
	switch {
	case errors.Is(err, backend.ErrNotFound) && ctx.Err() == nil:
		if it.snap == nil {
			return result{}
		}
		return result{fix: fix{path: it.path, snap: it.snap}, ok: true}
	case err != nil:
		if ctx.Err() != nil {
			return result{}
		}
		return result{fail: &Failure{Path: it.path, Error: err.Error()}}
	}
	res := result{n: info.Size}
	if reasons, _ := backend.EntryDiff(it.snap, info); len(reasons) > 0 {
		res.fix, res.ok = fix{path: it.path, snap: it.snap, info: &info}, true
	}
	return res
}

// hash reads an object through a ContentHash and describes it as the
// stores do when they write one: size, both checksums, content type.
func (r *reader) hash(ctx context.Context, p string, buf, head []byte) (backend.ObjectInfo, error) {
	rc, info, err := r.store.GetObject(ctx, r.repo, p)
	if err != nil {
		return backend.ObjectInfo{}, err
	}
	defer rc.Close()
	h := backend.NewContentHash()
	sniff := backend.GenericContentType(info.ContentType)
	head = head[:0]
	for {
		if err := ctx.Err(); err != nil {
			return backend.ObjectInfo{}, err
		}
		n, rerr := rc.Read(buf)
		if n > 0 {
			h.Add(buf[:n])
			if sniff && len(head) < backend.SniffLen {
				head = append(head, buf[:min(n, backend.SniffLen-len(head))]...)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return backend.ObjectInfo{}, fmt.Errorf("read %s/%s: %w", r.repo, p, rerr)
		}
	}
	info.Path = p
	info.Size = h.Len()
	info.Checksum = h.SHA256()
	info.CRC32C = h.CRC32C()
	if sniff {
		info.ContentType = backend.DetectContentType(head, p)
	}
	return info, nil
}
