package transfer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
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
	_, err = w.q.store.ReadObjectMetadata(ctx, w.repo, ops[0].path)
	if !errors.Is(err, backend.ErrMetadataMissing) {
		return false, done, nil // a document (or an error the write will meet too)
	}
	inBatch := make(map[string]bool, len(ops))
	for _, o := range ops {
		inBatch[o.path] = true
	}
	spool, err := os.CreateTemp("", "coop-base-*.json")
	if err != nil {
		return false, done, fmt.Errorf("record the files already in %s: %w", w.repo, err)
	}
	done = func() {
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
		Skip:     func(p string) bool { return inBatch[p] },
		Progress: note,
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
