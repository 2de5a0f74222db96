package repair

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/coopterm/coop/backend"
)

// rebuild replaces the unreadable metadata file of repo (Options.Rebuild)
// through the store's backend.MetadataRebuilder: the new document has an
// entry for every object, each read as Verify reads it (its id from
// backend.ObjectID, as for a new upload), for their folders, and for the
// object that keeps the unreadable bytes. The store writes it only if the
// file is still the one read; otherwise nothing is written over it
// (backend.ErrMetadataChanged). Objects that cannot be read get no entry,
// and Run returns ErrIncomplete: a later repair adds them.
func rebuild(ctx context.Context, store Store, repo backend.RepoRef, opts Options, rep Report) (Report, error) {
	rep.Unreadable = true
	if backend.CapabilitiesOf(store).RebuildMetadata == nil {
		return rep, fmt.Errorf("rebuild metadata of %s: %w: this store cannot rebuild a metadata file", repo, errors.ErrUnsupported)
	}
	now := opts.Now().UTC()
	rep.Backup = backend.CorruptMetadataName(now)
	var (
		changes []Change
		reads   int
	)
	build := func([]byte) (backend.SourceMetadata, error) {
		l, err := list(ctx, store, repo, opts.Progress)
		if err != nil {
			return backend.SourceMetadata{}, err
		}
		rep.Objects, rep.Folders = len(l.files), len(l.markers)
		p := plan(backend.SourceMetadata{}, l, true)
		r := &reader{store: store, repo: repo, workers: opts.Workers, progress: opts.Progress}
		fixes, failed, err := r.readAll(ctx, p.reads)
		if err != nil {
			return backend.SourceMetadata{}, err
		}
		rep.Read, rep.ReadBytes, rep.Failed, reads = r.read, r.bytes, failed, len(p.reads)
		slices.SortFunc(fixes, func(a, b fix) int { return cmp.Compare(a.path, b.path) })
		doc := backend.SourceMetadata{Objects: map[string]backend.ObjectMeta{}}
		res, err := doc.Apply(repo, batch(fixes, p.markers, nil, true, now))
		changes, _ = split(res)
		return doc, err
	}
	kept := Change{Action: Add, Path: rep.Backup, Type: backend.TypeFile, Reasons: []string{ReasonUnreadableKept}}
	if opts.DryRun {
		if _, err := build(nil); err != nil {
			return rep, fmt.Errorf("rebuild metadata of %s: %w", repo, err)
		}
	} else {
		m, err := backend.RebuildMetadata(ctx, store, repo, rep.Backup, build)
		if err != nil {
			return rep, err
		}
		rep.Written, kept.After = true, &m
	}
	rep.setChanges(append(changes, kept), nil)
	if len(rep.Failed) > 0 {
		return rep, fmt.Errorf("rebuild metadata of %s: %d of %d objects: %w", repo, len(rep.Failed), reads, ErrIncomplete)
	}
	return rep, nil
}
