package transfer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/metadoc"
	"github.com/coopterm/coop/backend/repair"
	"github.com/coopterm/coop/internal/humanize"
)

// withBase gives batch b the entries of the objects the repository
// already holds when it has no document yet, read and recorded as repo
// repair records them, so that the first write makes the whole document,
// not one of the objects this queue stored alone. They are gathered
// before the write, outside the store's lock, into a spool file (memory
// stays bounded), with progress in Totals.Note. set says whether b got a
// base; done removes the spool.
func (w *metaWriter) withBase(ctx context.Context, b *backend.MetadataBatch, ops []metaOp, now time.Time) (set bool, done func(), err error) {
	done = func() {}
	w.mu.Lock()
	based := w.based
	w.mu.Unlock()
	if based || len(ops) == 0 {
		return false, done, nil
	}
	c := w.startCheck(ops[0].path)
	missing, err := c.wait(ctx)
	if err != nil {
		return false, done, err
	}
	if !missing {
		return false, done, nil // a document (or an error the write will meet too)
	}
	w.mu.Lock()
	if w.check == c {
		w.check = nil // the next write asks again, if this one fails
	}
	w.mu.Unlock()
	done = c.discard
	listing, err := c.listing(ctx)
	if err != nil {
		return false, done, err
	}
	skip := w.skipRecorded(ops)
	spool, err := os.CreateTemp("", "coop-base-*.json")
	if err != nil {
		return false, done, fmt.Errorf("record the files already in %s: %w", w.repo, err)
	}
	done = func() {
		c.discard()
		spool.Close()
		_ = os.Remove(spool.Name())
	}
	note := func(read, found int) {
		w.q.setNote(w.repo, fmt.Sprintf("%s has no %s: recording the files already there, %s of %s read",
			w.repo, backend.MetadataFileName, humanize.Count(int64(read)), humanize.Count(int64(found))))
	}
	note(0, 0)
	defer w.q.setNote(w.repo, "")
	bw := bufio.NewWriterSize(spool, 1<<20)
	dw, err := metadoc.NewWriter(bw, w.repo, now, backend.MetadataHead{})
	if err != nil {
		return false, done, err
	}
	dw.Unordered = true
	var enc []byte
	err = repair.Entries(ctx, w.q.store, w.repo, repair.EntriesOptions{
		Workers: w.q.opts.Workers, Now: now,
		Skip:     skip,
		Progress: note,
		Listing:  listing,
	}, func(e backend.MetadataEntry) error {
		var err error
		if enc, err = e.Meta.AppendJSON(enc[:0]); err != nil {
			return err
		}
		return dw.Entry(e.Path, enc)
	})
	if err == nil {
		_, err = dw.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return false, done, fmt.Errorf("record the files already in %s: %w", w.repo, err)
	}
	name := spool.Name()
	b.SetBase(func(ctx context.Context, emit func(backend.MetadataEntry) error) error {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = metadoc.Scan(bufio.NewReaderSize(f, 1<<20), func(e metadoc.Entry) error {
			m, err := backend.DecodeObjectMeta(e.Raw)
			if err != nil {
				return err
			}
			return emit(backend.MetadataEntry{Path: e.Path, Meta: m})
		})
		return err
	})
	return true, done, nil
}

// skipRecorded tells the objects whose entries the queue has already:
// those of ops (this write) and those recorded since (the next write's,
// which this one's flush does not take). An upload into a repository
// with no document goes on while its first write reads the objects
// already there, and without this it read back every file it had stored
// meanwhile (212 of 1,000 files of 64 KiB, at a distance). The pending
// operations only grow while a flush runs, so the set is kept up to date
// by adding those appended since the last call.
func (w *metaWriter) skipRecorded(ops []metaOp) func(string) bool {
	recorded := make(map[string]bool, len(ops))
	for _, o := range ops {
		recorded[o.path] = true
	}
	seen := 0
	return func(p string) bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		if seen > len(w.ops) {
			seen = 0 // taken by another flush meanwhile: start again
		}
		for ; seen < len(w.ops); seen++ {
			recorded[w.ops[seen].path] = true
		}
		return recorded[p]
	}
}

// docCheck asks once whether a repository has a document; the answer
// comes on done. When there is none, it goes on to list the objects the
// repository holds, for the first write's base (see withBase), beside
// the uploads rather than after them: the answer to that comes on
// listed.
type docCheck struct {
	done    chan struct{}
	missing bool
	listed  chan struct{}
	stop    context.CancelFunc
	spool   string    // the listing, one JSON entry a line; "" if none
	listAt  time.Time // when the listing began
}

// listingFresh is how old a listing made beside the uploads may be when
// the first write uses it; an older one is made again then.
const listingFresh = time.Minute

// checkDocument starts asking whether repo has a document, so that an
// upload's first metadata write has the answer, and the objects already
// there, when the objects are stored rather than asking after them.
func (q *Queue) checkDocument(repo backend.RepoRef, path string) {
	q.writer(repo).startCheck(path)
}

// startCheck returns the question whether the repository has a document,
// asking it (about path) unless it is asked already or known. An answer
// "missing" is used once: the next write asks again, since the write
// that follows makes one.
func (w *metaWriter) startCheck(path string) *docCheck {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.check; c != nil {
		return c
	}
	c := &docCheck{done: make(chan struct{}), listed: make(chan struct{}), stop: func() {}}
	if w.based {
		close(c.done)
		close(c.listed)
		return c
	}
	w.check = c
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.q.ctx), metaFlushTimeout)
	c.stop = cancel
	w.q.writersWG.Go(func() {
		defer close(c.listed)
		// A missing document is followed by the listing (and the
		// uploads), which would fail, explained, if the bucket were
		// the reason: the store need not find out why on its own.
		_, err := w.q.store.ReadObjectMetadata(backend.NotFoundFollowed(ctx), w.repo, path)
		c.missing = errors.Is(err, backend.ErrMetadataMissing)
		close(c.done)
		if c.missing {
			c.listAt = time.Now()
			c.spool = listInto(ctx, w.q.store, w.repo)
		}
	})
	return c
}

// listInto lists every object of repo into a spool file and returns its
// name, or "" if the listing failed (the write lists again then).
func listInto(ctx context.Context, store backend.Store, repo backend.RepoRef) string {
	f, err := os.CreateTemp("", "coop-list-*.json")
	if err != nil {
		return ""
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	enc := json.NewEncoder(bw)
	err = backend.Walk(ctx, store, repo, "", func(page []backend.Entry) error {
		for i := range page {
			if err := enc.Encode(&page[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, backend.ErrNotFound) && ctx.Err() == nil {
		err = nil // no folder yet: no objects
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return ""
	}
	return f.Name()
}

// listing returns the check's listing as repair.EntriesOptions.Listing
// wants it, once it is made, or nil if there is none or it is too old to
// use; either way the spool is the caller's to remove (with discard).
func (c *docCheck) listing(ctx context.Context) (func(context.Context, func([]backend.Entry) error) error, error) {
	select {
	case <-c.listed:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if c.spool == "" || time.Since(c.listAt) > listingFresh {
		return nil, nil
	}
	name := c.spool
	return func(ctx context.Context, fn func([]backend.Entry) error) error {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		dec := json.NewDecoder(bufio.NewReaderSize(f, 256<<10))
		page := make([]backend.Entry, 0, listPage)
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			var e backend.Entry
			err := dec.Decode(&e)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			if page = append(page, e); len(page) == listPage {
				if err := fn(page); err != nil {
					return err
				}
				page = page[:0]
			}
		}
		if len(page) == 0 {
			return nil
		}
		return fn(page)
	}, nil
}

// listPage is how many listed entries a replayed listing hands on at once.
const listPage = 1000

// discard stops the check's listing if it is still under way and
// removes its spool.
func (c *docCheck) discard() {
	c.stop()
	<-c.listed
	if c.spool != "" {
		_ = os.Remove(c.spool)
	}
}

// wait returns the check's answer once it has come.
func (c *docCheck) wait(ctx context.Context) (missing bool, err error) {
	select {
	case <-c.done:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	return c.missing, nil
}

// setNote sets what Totals.Note says of repo's metadata ("" clears it).
func (q *Queue) setNote(repo backend.RepoRef, note string) {
	q.mu.Lock()
	if note == "" {
		delete(q.notes, repo)
	} else {
		q.notes[repo] = note
	}
	q.mu.Unlock()
	q.changed()
}
