package repair

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/coopterm/coop/backend"
)

// EntriesOptions control Entries.
type EntriesOptions struct {
	// Workers is how many objects are read at once (DefaultWorkers if 0).
	Workers int
	// Now stamps the entries (time.Now if zero).
	Now time.Time
	// Skip, if set, names objects not to read and not to make folder
	// entries for (their entries come from elsewhere, such as a batch
	// that records them and their folders).
	Skip func(path string) bool
	// Progress, if set, is told how many objects were read of how many
	// found so far; it is called from one goroutine at a time.
	Progress func(done, total int)
	// Listing, if set, gives the repository's objects in place of a
	// walk of the store (backend.Walk): a listing made beforehand, such
	// as one an upload made beside its transfers.
	Listing func(ctx context.Context, fn func([]backend.Entry) error) error
}

// Entries emits the entry of every object in repo, read and recorded as
// a repair records an object it finds without one (backend.NewObjectMeta
// from its content: size, SHA-256, CRC-32C, content type), and a folder
// entry for every folder above them and every folder marker: the document
// a repository that has objects but no document should start with (see
// backend.MetadataBase). Entries come in no particular order; memory
// grows with the number of folders, not of objects. An object that
// cannot be read makes Entries fail: a document must not leave it out.
func Entries(ctx context.Context, store Store, repo backend.RepoRef, opts EntriesOptions, emit func(backend.MetadataEntry) error) error {
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Progress == nil {
		opts.Progress = func(int, int) {}
	}
	var (
		mu      sync.Mutex // emit and progress, from the reader and the walk
		folders = map[string]bool{}
		found   int
		failed  error
	)
	folder := func(d string) error {
		for ; d != "" && !folders[d]; d = backend.ParentFolder(d) {
			folders[d] = true
			if err := emit(backend.MetadataEntry{Path: d, Meta: backend.NewFolderMeta(repo, d, opts.Now)}); err != nil {
				return err
			}
		}
		return nil
	}
	file := func(info backend.ObjectInfo) error {
		mu.Lock()
		defer mu.Unlock()
		if err := emit(backend.MetadataEntry{Path: info.Path, Meta: backend.NewObjectMeta(repo, info, nil, opts.Now)}); err != nil {
			return err
		}
		return folder(backend.ParentFolder(info.Path))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &reader{store: store, repo: repo, workers: opts.Workers}
	todo := make(chan readItem, opts.Workers)
	r.progress = func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		opts.Progress(p.Done, found)
	}
	r.found = func(info backend.ObjectInfo) {
		if err := file(info); err != nil && failed == nil {
			failed = err
			cancel()
		}
	}
	done := make(chan error, 1)
	go func() {
		_, fails, err := r.run(ctx, todo, func() int { mu.Lock(); defer mu.Unlock(); return found })
		if err == nil && len(fails) > 0 {
			err = errors.New(fails[0].Path + ": " + fails[0].Error)
		}
		done <- err
	}()
	walk := opts.Listing
	if walk == nil {
		walk = func(ctx context.Context, fn func([]backend.Entry) error) error {
			return backend.Walk(ctx, store, repo, "", fn)
		}
	}
	err := walk(ctx, func(page []backend.Entry) error {
		for _, e := range page {
			mu.Lock()
			var err error
			switch {
			case e.IsDir():
				err = folder(e.Path)
			case opts.Skip != nil && opts.Skip(e.Path):
				// Its entry, and its folders', come from elsewhere.
			default:
				found++
			}
			mu.Unlock()
			if err != nil {
				return err
			}
			if !e.IsDir() && (opts.Skip == nil || !opts.Skip(e.Path)) {
				select {
				case todo <- readItem{path: e.Path}:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		return nil
	})
	if errors.Is(err, backend.ErrNotFound) && ctx.Err() == nil {
		err = nil // no folder yet: no objects
	}
	close(todo)
	rerr := <-done
	switch {
	case failed != nil:
		return failed
	case err != nil:
		return err
	}
	return rerr
}
