// Package local is coop's embedded default store: a bbolt catalog at
// {root}/.coop/catalog.db and a plain folder tree of objects laid out as
// {root}/{account_id}/{repository_id}/{path}, with each repository's
// .source-metadata.json at its root.
//
// Several processes (a browser, a `coop upload`, a `coop serve`) may share
// one root at once, so nothing is held open between calls: the catalog is
// opened per operation (read-only, with a shared lock, for reads) and
// metadata writes take a per-repository file lock.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/metaindex"
)

// Layout names under the storage root.
const (
	// StateDir is the folder under the root that holds coop's own files.
	StateDir = ".coop"
	// CatalogFile is the bbolt catalog, under StateDir.
	CatalogFile = "catalog.db"
	// LocksDir holds the per-repository metadata lock files, under StateDir.
	LocksDir = "locks"
	// TempPrefix starts the name of every temporary file coop writes in the
	// object tree; such files are never listed and cannot be uploaded.
	TempPrefix = ".coop-tmp-"
)

// Defaults a Store uses: DefaultLockTimeout unless WithLockTimeout says
// otherwise; DefaultPageSize when a listing leaves Limit at zero.
const (
	DefaultLockTimeout  = 2 * time.Second
	DefaultPageSize     = 1000
	DefaultCatalogLimit = 100
	maxPageSize         = 10000
	defaultCacheFolders = 8
)

// Store is a backend.Store over a local folder. Its methods are safe for
// concurrent use, and several Stores (in one process or many) may share
// one root.
type Store struct {
	root        string // absolute root as given (symlinks resolved when it exists)
	lockTimeout time.Duration
	skipAdopt   bool
	onReadDir   func(path string) // called before adoption reads a folder; for tests
	noSync      bool

	catMu sync.RWMutex // orders this Store's own catalog readers and writers
	cache *dirCache
	locks *repoLocks
	// versions keeps the index of each repository's metadata document
	// open, shared by every caller (every browser and SSH session of the
	// process): see metaindex.go.
	versions metaindex.Cache
}

var _ backend.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithLockTimeout sets how long an operation waits for the catalog or a
// metadata lock held by another process before failing with
// backend.ErrLocked. The default is DefaultLockTimeout.
func WithLockTimeout(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.lockTimeout = d
		}
	}
}

// WithoutAdoption skips adopting unknown account and repository folders on
// lookups, listings and creation; Init still adopts them.
func WithoutAdoption() Option {
	return func(s *Store) { s.skipAdopt = true }
}

// WithoutObjectSync skips the fsync of each object PutObject writes. The
// write is still atomic (temp file and rename), but a power cut may lose
// recent objects; use it only for data that can be made again, such as
// the demo store, where it makes writing 100,000 small files ~5× faster.
func WithoutObjectSync() Option {
	return func(s *Store) { s.noSync = true }
}

// Open returns a Store over root. If root already holds a storage tree,
// its catalog is checked (and created if missing); account and repository
// folders missing from it are adopted later, each when a lookup, listing
// or creation comes to it (see adopt.go), so Open costs the same whatever
// the store's size. A root that does not exist yet is not
// an error: Init creates it, and until then calls fail with
// backend.ErrNotInitialized.
func Open(root string, opts ...Option) (*Store, error) {
	if root == "" {
		return nil, fmt.Errorf("open local store: %w: empty storage root", backend.ErrInvalid)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("open local store %q: %w", root, err)
	}
	s := &Store{
		root:        abs,
		lockTimeout: DefaultLockTimeout,
		cache:       newDirCache(defaultCacheFolders),
		locks:       newRepoLocks(),
	}
	for _, o := range opts {
		o(s)
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("open local store: %w: %w", backend.ErrUnavailable, err)
	case !fi.IsDir():
		return nil, fmt.Errorf("open local store: %w: %q is not a folder", backend.ErrInvalid, abs)
	}
	if err := s.resolveRoot(); err != nil {
		return nil, err
	}
	if s.skipAdopt {
		return s, nil
	}
	if err := os.MkdirAll(s.stateDir(), 0o755); err != nil {
		return nil, fmt.Errorf("open local store: %w: %w", backend.ErrUnavailable, err)
	}
	if err := s.openCatalog(context.Background()); err != nil {
		return nil, fmt.Errorf("open local store %q: %w", abs, err)
	}
	return s, nil
}

// openCatalog checks that the catalog can be read, creating it if the
// tree has none yet.
func (s *Store) openCatalog(ctx context.Context) error {
	err := s.view(ctx, func(*bolt.Tx) error { return nil })
	if errors.Is(err, backend.ErrNotInitialized) {
		err = s.update(ctx, createBuckets)
	}
	return err
}

// resolveRoot replaces the root by its real path, so that symlink checks
// compare like with like, and checks that it can be read.
func (s *Store) resolveRoot() error {
	real, err := filepath.EvalSymlinks(s.root)
	if err != nil {
		return fmt.Errorf("open local store: %w: %w", backend.ErrUnavailable, err)
	}
	f, err := os.Open(real)
	if err != nil {
		return fmt.Errorf("open local store: %w: storage root unreadable: %w", backend.ErrUnavailable, err)
	}
	_, err = f.Readdirnames(1)
	f.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("open local store: %w: storage root unreadable: %w", backend.ErrUnavailable, err)
	}
	s.root = real
	return nil
}

// Init creates the root, its .coop folder and the catalog if missing, then
// adopts every folder of the tree the catalog does not know: the one call
// that walks the whole tree. It is idempotent.
func (s *Store) Init(ctx context.Context) error {
	if err := os.MkdirAll(filepath.Join(s.root, StateDir, LocksDir), 0o755); err != nil {
		return fmt.Errorf("init %s: %w: %w", s.root, backend.ErrUnavailable, err)
	}
	if err := s.resolveRoot(); err != nil {
		return err
	}
	if err := s.update(ctx, createBuckets); err != nil {
		return fmt.Errorf("init %s: %w", s.root, err)
	}
	return s.adopt(ctx)
}

// Root is the storage root on disk, symlinks resolved.
func (s *Store) Root() string { return s.root }

// Location describes the store for headers and messages.
func (s *Store) Location() string { return s.root }

// Close releases what the Store caches; nothing else is held open.
func (s *Store) Close() error {
	s.cache.clear()
	s.versions.Clear()
	return nil
}

func (s *Store) stateDir() string    { return filepath.Join(s.root, StateDir) }
func (s *Store) catalogPath() string { return filepath.Join(s.root, StateDir, CatalogFile) }

// accountDir is the folder of one account's repositories.
func (s *Store) accountDir(id string) string { return filepath.Join(s.root, id) }

// repoDir is the folder of one repository's objects.
func (s *Store) repoDir(ref backend.RepoRef) string {
	return filepath.Join(s.root, ref.AccountID, ref.RepositoryID)
}

// checkRoot fails with ErrNotInitialized when the root is missing.
func (s *Store) checkRoot() error {
	if _, err := os.Stat(s.root); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("storage root %s: %w", s.root, backend.ErrNotInitialized)
		}
		return fmt.Errorf("storage root %s: %w: %w", s.root, backend.ErrUnavailable, err)
	}
	return nil
}

// opTimeout is how long one operation may wait for a lock: the Store's
// lock timeout, or less if ctx ends sooner.
func (s *Store) opTimeout(ctx context.Context) time.Duration {
	d := s.lockTimeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < d {
			d = max(left, time.Millisecond)
		}
	}
	return d
}
