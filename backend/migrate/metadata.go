package migrate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
)

// metadata copies the entries of repository ref's metadata file as they
// were written, after its objects. Where the destination has no document
// yet, the source's entries stream into one write of a whole new one (see
// wholeDocument); else each entry is looked up there and those missing
// (or to overwrite) are written in batches, each one write of the
// document. An entry is checked against the object that arrived (size
// and SHA-256); a difference is a note, and the entry is copied as it was
// all the same. The entry of an object that was not copied (a conflict, a
// failure) is left for a later run.
func (m *migration) metadata(ctx context.Context, ref backend.RepoRef, rr *RepoReport, arr *arrivals) error {
	m.progress(func(p *Progress) { p.Repository, p.Phase = rr.Repository, "metadata" })
	dstHas, err := m.destinationHasDocument(ctx, ref)
	if err != nil {
		m.failed("metadata", rr.Repository, "destination: "+err.Error())
		return ctx.Err() //nolint:nilerr // reported; the other repositories go on
	}
	if !dstHas && !m.opts.DryRun {
		done, err := m.wholeDocument(ctx, ref, rr, arr)
		if err != nil || done {
			return err
		}
		dstHas = true // another writer made one meanwhile: entry by entry
	}
	w := &metaWriter{m: m, ref: ref, rr: rr}
	w.reset()
	head, err := m.src.ReadMetadata(ctx, ref, "", func(page []backend.MetadataEntry) error {
		for _, e := range page {
			if err := w.entry(ctx, e, arr, dstHas); err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, backend.ErrMetadataMissing):
		rr.NoMetadata = true
		m.note("metadata", rr.Repository, "no metadata file at the source")
		return nil
	case err == nil:
		err = w.head(ctx, head, dstHas)
	}
	if err == nil {
		err = w.flush(ctx)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		m.failed("metadata", rr.Repository, err.Error())
	}
	return nil
}

// wholeDocument writes the destination's document, which does not exist,
// in one write whose entries stream from the source's (the batch's base),
// with the source's top-level fields: memory does not grow with the
// repository, and the document appears whole or not at all. done is
// false when another writer made a document first, and no entry was
// written (the top-level fields may have been: the entry-by-entry pass
// that follows then finds them there).
func (m *migration) wholeDocument(ctx context.Context, ref backend.RepoRef, rr *RepoReport, arr *arrivals) (done bool, err error) {
	head, err := readHead(ctx, m.src, ref)
	switch {
	case errors.Is(err, backend.ErrMetadataMissing):
		rr.NoMetadata = true
		m.note("metadata", rr.Repository, "no metadata file at the source")
		return true, nil
	case err != nil:
		m.failed("metadata", rr.Repository, "source: "+err.Error())
		return true, ctx.Err()
	}
	var (
		counts Counts
		notes  []Issue
	)
	batch := backend.NewMetadataBatch(time.Time{})
	heads := m.headFields(head.Extra, nil, batch, rr.Repository)
	based := false
	batch.SetBase(func(ctx context.Context, emit func(backend.MetadataEntry) error) error {
		counts, notes, based = Counts{}, nil, true // a store may start again
		_, err := m.src.ReadMetadata(ctx, ref, "", func(page []backend.MetadataEntry) error {
			for _, e := range page {
				if o, ok := arr.failed[e.Path]; ok {
					counts.add(o)
					continue
				}
				notes = append(notes, checkEntry(e, arr, ref.String()+"/"+e.Path)...)
				counts.Copied++
				if err := emit(backend.MetadataEntry{Path: e.Path, Meta: cloneMeta(e.Meta)}); err != nil {
					return err
				}
			}
			return nil
		})
		return err
	})
	// The stores skip a batch with no change before they look for a base:
	// this one change, which no document holds an entry for (the metadata
	// file is never an object), has them write the base.
	batch.Delete(backend.MetadataFileName)
	res, err := m.dst.UpdateMetadata(ctx, ref, batch)
	if err == nil && (!res.Written || !based) {
		return false, nil
	}
	m.record(audit.ActionMetadataUpdate, rr.Repository, 0, describeWrite(counts.Copied, heads.Copied), err)
	if err != nil {
		m.failed("metadata", rr.Repository, "write at the destination: "+err.Error())
		return true, ctx.Err()
	}
	m.repMu.Lock()
	defer m.repMu.Unlock()
	addCounts(&rr.Metadata, counts)
	addCounts(&rr.HeadFields, heads)
	m.rep.Notes = append(m.rep.Notes, notes...)
	return true, nil
}

// describeWrite says what one write of a document carried, for the audit.
func describeWrite(entries, fields int64) string {
	if fields == 0 {
		return fmt.Sprintf("%d entries", entries)
	}
	return fmt.Sprintf("%d entries, %d top-level fields", entries, fields)
}

// destinationHasDocument reports whether the destination holds a metadata
// file for ref; without one, no entry needs looking up.
func (m *migration) destinationHasDocument(ctx context.Context, ref backend.RepoRef) (bool, error) {
	if !m.dstInitialized {
		return false, nil
	}
	_, err := m.dst.ReadFolderMetadata(ctx, ref, "", backend.PageRequest{Limit: 1})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, backend.ErrMetadataMissing), errors.Is(err, backend.ErrNotFound):
		return false, nil
	}
	return false, err
}

// metaWriter gathers the entries to write into batches.
type metaWriter struct {
	m      *migration
	ref    backend.RepoRef
	rr     *RepoReport
	batch  *backend.MetadataBatch
	fields int64  // top-level fields in batch
	a, b   []byte // encodings compared
}

func (w *metaWriter) reset() { w.batch, w.fields = backend.NewMetadataBatch(time.Time{}), 0 }

// head decides about the source document's top-level fields (see
// migration.headFields) against the destination's, if it has a
// document; those to write go with the last batch of entries.
func (w *metaWriter) head(ctx context.Context, src backend.MetadataHead, dstHas bool) error {
	var dst backend.MetadataHead
	if dstHas && len(src.Extra) > 0 {
		var err error
		if dst, err = readHead(ctx, w.m.dst, w.ref); err != nil {
			return fmt.Errorf("read the destination's top-level fields: %w", err)
		}
	}
	c := w.m.headFields(src.Extra, dst.Extra, w.batch, w.rr.Repository)
	w.fields += c.Copied + c.Overwritten
	w.m.repMu.Lock()
	addCounts(&w.rr.HeadFields, c)
	w.m.repMu.Unlock()
	return nil
}

// entry decides about one source entry.
func (w *metaWriter) entry(ctx context.Context, e backend.MetadataEntry, arr *arrivals, dstHas bool) error {
	m, target := w.m, w.ref.String()+"/"+e.Path
	if o, ok := arr.failed[e.Path]; ok {
		w.count(o)
		return nil
	}
	for _, n := range checkEntry(e, arr, target) {
		m.note(n.Kind, n.Target, n.Reason)
	}
	res := outcomeCopied
	if dstHas {
		have, err := m.dst.ReadObjectMetadata(ctx, w.ref, e.Path)
		switch {
		case errors.Is(err, backend.ErrNotFound):
		case err != nil:
			return fmt.Errorf("read the destination's entry of %s: %w", e.Path, err)
		case m.opts.SkipExisting:
			res = outcomeSkipped
		default:
			same, err := w.same(&have, &e.Meta)
			if err != nil {
				return err
			}
			switch {
			case same:
				res = outcomeSkipped
			case m.opts.Overwrite:
				res = outcomeOverwritten
			default:
				res = outcomeConflict
				m.conflict("metadata", target, "the destination's entry differs")
			}
		}
	}
	w.count(res)
	if (res == outcomeCopied || res == outcomeOverwritten) && !m.opts.DryRun {
		w.batch.Set(e.Path, cloneMeta(e.Meta))
		if w.batch.Len() >= m.opts.Batch {
			return w.flush(ctx)
		}
	}
	return nil
}

// checkEntry compares an entry with the object that arrived, and says
// how they differ.
func checkEntry(e backend.MetadataEntry, arr *arrivals, target string) []Issue {
	if e.Meta.Type != backend.TypeFile || e.Meta.Problem != "" {
		return nil
	}
	note := func(reason string) Issue { return Issue{Kind: "metadata", Target: target, Reason: reason} }
	got, ok := arr.get(e.Path)
	if !ok {
		return []Issue{note("an entry with no object at the source; copied as it was")}
	}
	var out []Issue
	if e.Meta.Size != got.size {
		out = append(out, note(fmt.Sprintf("the entry says %d bytes, the object has %d; copied as it was", e.Meta.Size, got.size)))
	}
	if rec, ok := backend.SHA256Hex(e.Meta.Checksum); ok && got.hasSHA() && !got.sameSHA(rec) {
		out = append(out, note("the entry's checksum differs from the object's content; copied as it was"))
	}
	return out
}

// same reports whether two entries encode alike.
func (w *metaWriter) same(a, b *backend.ObjectMeta) (bool, error) {
	var err error
	if w.a, err = a.AppendJSON(w.a[:0]); err != nil {
		return false, err
	}
	if w.b, err = b.AppendJSON(w.b[:0]); err != nil {
		return false, err
	}
	return bytes.Equal(w.a, w.b), nil
}

func (w *metaWriter) count(o outcome) {
	w.m.repMu.Lock()
	w.rr.Metadata.add(o)
	w.m.repMu.Unlock()
}

// flush writes the batch gathered so far.
func (w *metaWriter) flush(ctx context.Context) error {
	if w.batch.Empty() {
		return nil
	}
	fields := w.fields
	n := int64(w.batch.Len()) - fields
	_, err := w.m.dst.UpdateMetadata(ctx, w.ref, w.batch)
	w.m.record(audit.ActionMetadataUpdate, w.rr.Repository, 0, describeWrite(n, fields), err)
	w.reset()
	if err != nil {
		return fmt.Errorf("write %s at the destination: %w", describeWrite(n, fields), err)
	}
	return nil
}

// cloneMeta copies an entry out of the page it came in, which the store
// may reuse.
func cloneMeta(m backend.ObjectMeta) backend.ObjectMeta {
	m.Metadata = maps.Clone(m.Metadata)
	if m.Extra != nil {
		extra := make(map[string]json.RawMessage, len(m.Extra))
		for k, v := range m.Extra {
			extra[k] = bytes.Clone(v)
		}
		m.Extra = extra
	}
	m.Raw = bytes.Clone(m.Raw)
	return m
}
