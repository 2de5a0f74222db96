package repair

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/coopterm/coop/backend"
)

// A repair compares two streams in byte order of paths: the entries of
// the document (ReadMetadata, one version of it, read before the objects
// are listed) and the objects (backend.Walk). Walking both side by side,
// it keeps only what calls for work — objects to read, entries to drop,
// folders to add — so its memory grows with the repairs, not with the
// repository. Objects to read go to the readers as they are found.

// errDisorder stops a join whose object listing is not in byte order.
var errDisorder = errors.New("objects listed out of order")

// joined is what a comparison found.
type joined struct {
	entries     int
	objects     int
	markerCount int
	markers     []string // folder markers with no entry
	removals    []fix
	missing     []string // folders above entries with no entry
	fixes       []fix    // from the objects read
	failed      []Failure
	reads       int   // objects to read
	read        int   // objects read
	readBytes   int64 // and their bytes
}

// entryStream reads the document's pages in a goroutine, one page ahead.
type entryStream struct {
	pages  chan []backend.MetadataEntry
	errc   chan error
	cancel context.CancelFunc
	page   []backend.MetadataEntry
	i      int
	done   bool
	err    error
}

// startEntries starts reading repo's document; the first page (or the
// error that the document is missing or unreadable) is waited for, so
// that the version read is taken before the objects are listed.
func startEntries(ctx context.Context, store Store, repo backend.RepoRef) (*entryStream, error) {
	ctx, cancel := context.WithCancel(ctx)
	es := &entryStream{pages: make(chan []backend.MetadataEntry, 1), errc: make(chan error, 1), cancel: cancel}

	go func() {
		_, err := store.ReadMetadata(ctx, repo, "", func(page []backend.MetadataEntry) error {
			select {
			case es.pages <- slices.Clone(page):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		close(es.pages)
		es.errc <- err
	}()
	if _, ok := es.peek(); !ok && es.err != nil {
		if errors.Is(es.err, backend.ErrMetadataMissing) {
			es.err = nil // no document: no entries
			return es, nil
		}
		return nil, es.err
	}
	return es, nil
}

// peek returns the next entry without taking it; ok is false at the end.
func (es *entryStream) peek() (*backend.MetadataEntry, bool) {
	for !es.done && es.i >= len(es.page) {
		p, ok := <-es.pages
		if !ok {
			es.done = true
			es.err = <-es.errc
			break
		}
		es.page, es.i = p, 0
	}
	if es.done {
		return nil, false
	}
	return &es.page[es.i], true
}

func (es *entryStream) next() { es.i++ }

// stop ends the reading goroutine.
func (es *entryStream) stop() {
	es.cancel()
	for range es.pages {
	}
}

// join compares the document with the objects, reading the objects that
// need it as it goes (all of them with verify).
func join(ctx context.Context, store Store, repo backend.RepoRef, opts Options) (joined, error) {
	var j joined
	es, err := startEntries(ctx, store, repo)
	if err != nil {
		return j, err
	}
	defer es.stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		progMu sync.Mutex
		queued atomic.Int64
	)
	progress := func(p Progress) {
		progMu.Lock()
		defer progMu.Unlock()
		opts.Progress(p)
	}
	r := &reader{store: store, repo: repo, workers: opts.Workers, progress: progress}
	todo := make(chan readItem, opts.Workers)
	type readResult struct {
		fixes  []fix
		failed []Failure
		err    error
	}
	done := make(chan readResult, 1)
	go func() {
		fixes, failed, err := r.run(ctx, todo, func() int { return int(queued.Load()) })
		done <- readResult{fixes, failed, err}
	}()
	read := func(it readItem) error {
		queued.Add(1)
		select {
		case todo <- it:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}

	var folders backend.FolderCheck
	// entry takes the next entry, with no object of its path.
	entry := func(e *backend.MetadataEntry) {
		j.entries++
		folders.Add(e.Path, e.Meta.Type)
		if e.Meta.Type != backend.TypeDirectory {
			m := e.Meta
			j.removals = append(j.removals, fix{path: e.Path, snap: &m})
		}
		es.next()
	}
	last := ""
	var markers []string
	err = backend.WalkSorted(ctx, store, repo, "", func(page []backend.Entry) error {
		for _, o := range page {
			if o.IsDir() {
				markers = append(markers, o.Path)
				continue
			}
			if j.objects > 0 && o.Path <= last {
				return errDisorder
			}
			last = o.Path
			j.objects++
			e, ok := es.peek()
			for ok && e.Path < o.Path {
				entry(e)
				e, ok = es.peek()
			}
			var snap *backend.ObjectMeta
			if ok && e.Path == o.Path {
				j.entries++
				folders.Add(e.Path, e.Meta.Type)
				m := e.Meta
				snap = &m
				es.next()
			}
			if opts.Verify || snap == nil || snap.Type == backend.TypeDirectory || snap.Size != o.Size {
				if err := read(readItem{path: o.Path, snap: snap}); err != nil {
					return err
				}
			}
		}
		progress(Progress{Phase: "list", Done: j.objects})
		return ctx.Err()
	})
	if errors.Is(err, backend.ErrNotFound) && ctx.Err() == nil {
		err = nil // the repository exists (Run checked): it has no folder yet
	}
	if err == nil {
		for e, ok := es.peek(); ok; e, ok = es.peek() {
			entry(e)
		}
		err = es.err
	}
	close(todo)
	res := <-done
	if err != nil {
		return j, err
	}
	if res.err != nil {
		return j, res.err
	}
	j.fixes, j.failed, j.reads = res.fixes, res.failed, int(queued.Load())
	j.read, j.readBytes = r.read, r.bytes
	j.missing = folders.Missing()
	j.markerCount = len(markers)
	for _, d := range markers {
		if _, err := store.ReadObjectMetadata(ctx, repo, d); errors.Is(err, backend.ErrNotFound) || errors.Is(err, backend.ErrMetadataMissing) {
			j.markers = append(j.markers, d)
		} else if err != nil {
			return j, err
		}
	}
	return j, nil
}

// joinWhole is join for a store whose listing is not in byte order: the
// document and the listing are held in memory and compared as maps.
func joinWhole(ctx context.Context, store Store, repo backend.RepoRef, opts Options) (joined, error) {
	var j joined
	snap, err := backend.LoadMetadata(ctx, store, repo)
	switch {
	case errors.Is(err, backend.ErrMetadataMissing):
		snap = backend.SourceMetadata{Objects: map[string]backend.ObjectMeta{}}
	case err != nil:
		return j, err
	}
	l, err := list(ctx, store, repo, opts.Progress)
	if err != nil {
		return j, err
	}
	p := plan(snap, l, opts.Verify)
	r := &reader{store: store, repo: repo, workers: opts.Workers, progress: opts.Progress}
	fixes, failed, err := r.readAll(ctx, p.reads)
	if err != nil {
		return j, err
	}
	return joined{entries: len(snap.Objects), objects: len(l.files), markerCount: len(l.markers), markers: p.markers,
		removals: p.removals, missing: snap.MissingFolders(), fixes: fixes, failed: failed,
		reads: len(p.reads), read: r.read, readBytes: r.bytes}, nil
}
