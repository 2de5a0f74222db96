package local

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/coopterm/coop/backend"
)

// ErrCatalogCorrupt is wrapped (together with backend.ErrUnavailable) by
// every error caused by an unreadable catalog.db.
var ErrCatalogCorrupt = errors.New("catalog file is corrupt")

// Buckets of the catalog: the two tables and their secondary indexes. An
// index key ends with the table key's parts; its value is the table key.
var (
	bktAccounts        = []byte("accounts")          // account_id \0 type -> Account JSON
	bktAccountsByType  = []byte("accounts_gsi1")     // type \0 account_id -> key
	bktAccountsByEmail = []byte("accounts_gsi2")     // email \0 account_id \0 type -> key
	bktRepos           = []byte("repositories")      // repository_id \0 account_id -> Repository JSON
	bktReposByAccount  = []byte("repositories_gsi1") // account_id \0 created_at \0 repository_id -> key
	allBuckets         = [][]byte{bktAccounts, bktAccountsByType, bktAccountsByEmail, bktRepos, bktReposByAccount}
)

const sep = "\x00"

// createBuckets makes every bucket that is missing.
func createBuckets(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// view runs fn in a read-only transaction on a catalog opened read-only
// (shared lock) for this call alone.
func (s *Store) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	return s.withDB(ctx, true, func(db *bolt.DB) error {
		return db.View(func(tx *bolt.Tx) error {
			for _, name := range allBuckets {
				if tx.Bucket(name) == nil {
					return fmt.Errorf("catalog %s: %w", s.catalogPath(), backend.ErrNotInitialized)
				}
			}
			return fn(tx)
		})
	})
}

// update runs fn in a read-write transaction on a catalog opened with an
// exclusive lock for this call alone. Missing buckets are created first.
func (s *Store) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	return s.withDB(ctx, false, func(db *bolt.DB) error {
		return db.Update(func(tx *bolt.Tx) error {
			if err := createBuckets(tx); err != nil {
				return err
			}
			return fn(tx)
		})
	})
}

// withDB opens the catalog, runs fn and closes it again. bbolt may panic
// on a damaged file; the panic becomes an error wrapping ErrCatalogCorrupt
// and the file is closed so its lock is released.
func (s *Store) withDB(ctx context.Context, readOnly bool, fn func(db *bolt.DB) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.checkRoot(); err != nil {
		return err
	}
	path := s.catalogPath()
	if readOnly {
		s.catMu.RLock()
		defer s.catMu.RUnlock()
		if _, err := os.Stat(path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("catalog %s: %w", path, backend.ErrNotInitialized)
			}
			return fmt.Errorf("catalog %s: %w: %w", path, backend.ErrUnavailable, err)
		}
	} else {
		s.catMu.Lock()
		defer s.catMu.Unlock()
		if err := os.MkdirAll(s.stateDir(), 0o755); err != nil {
			return fmt.Errorf("catalog %s: %w: %w", path, backend.ErrUnavailable, err)
		}
	}
	// bbolt would make a new, empty catalog in a file of 0 bytes, and
	// adoption would fill it with every folder as a private repository of
	// a user: all types, keys and members silently lost.
	if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
		return s.emptyError()
	}
	var file *os.File
	timeout := s.opTimeout(ctx)
	opts := &bolt.Options{
		Timeout:      timeout,
		ReadOnly:     readOnly,
		NoStatistics: true,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, perm)
			file = f
			return f, err
		},
	}
	// bbolt reads the file through a memory map: a damaged file can make it
	// fault or panic. Faults become panics on this goroutine, and panics
	// become errors.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	var db *bolt.DB
	defer func() {
		if r := recover(); r != nil {
			err = s.corruptError(fmt.Errorf("%v", r))
			releaseAfterPanic(db, file)
		}
	}()
	db, err = bolt.Open(path, 0o644, opts)
	if err != nil {
		return s.openError(err, readOnly, timeout)
	}
	err = fn(db)
	if cerr := db.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close catalog %s: %w", path, cerr)
	}
	return err
}

// releaseAfterPanic frees what a panicking bbolt call held. View and
// Update roll their transaction back while the panic unwinds, so Close
// can take the database's locks, unmap the file and drop the flock (the
// mapping alone would keep the flock). Close runs aside with a time limit
// in case bbolt was left in a state where it would block; a panic inside
// Open leaves no *DB, and only the descriptor can be closed.
func releaseAfterPanic(db *bolt.DB, file *os.File) {
	if db == nil {
		if file != nil {
			file.Close()
		}
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { _ = recover() }()
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		_ = db.Close()
	}()
	select {
	case <-done:
	case <-time.After(time.Second):
	}
}

// openError turns a bbolt Open failure into a sentinel-wrapped error that
// tells the user what to do.
func (s *Store) openError(err error, readOnly bool, waited time.Duration) error {
	path := s.catalogPath()
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		mode := "read"
		if !readOnly {
			mode = "write"
		}
		who := lockHolders(path)
		if who != "" {
			who = " (held by " + who + ")"
		}
		return fmt.Errorf("catalog %s: %w%s: could not %s it within %s; wait for that coop command to finish or stop it, then retry",
			path, backend.ErrLocked, who, mode, waited.Round(time.Millisecond))
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return s.corruptError(err)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("catalog %s: %w", path, backend.ErrNotInitialized)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("catalog %s: %w: %w", path, backend.ErrUnauthorized, err)
	}
	return fmt.Errorf("catalog %s: %w: %w", path, backend.ErrUnavailable, err)
}

// corruptError says the catalog is damaged and how to rebuild it.
func (s *Store) corruptError(cause error) error {
	return fmt.Errorf("catalog %s: %w: %w (%w); move it aside and run `coop init` to rebuild accounts and repositories from the storage folders",
		s.catalogPath(), backend.ErrUnavailable, ErrCatalogCorrupt, cause)
}

// emptyError says the catalog file is empty and what to do about it.
func (s *Store) emptyError() error {
	return fmt.Errorf("catalog %s is empty (0 bytes): %w: %w; coop will not start a new one over it, which would lose every account's "+
		"type, keys and members and every repository's visibility: restore it from a backup, or move it aside and run `coop init` to "+
		"rebuild one from the storage folders (every account a user, every repository private, no keys)",
		s.catalogPath(), backend.ErrUnavailable, ErrCatalogCorrupt)
}

// encodeCursor makes an opaque cursor from the last key of a page.
func encodeCursor(key []byte) string { return base64.RawURLEncoding.EncodeToString(key) }

// decodeCursor reads a cursor made by encodeCursor; it must lie within prefix.
func decodeCursor(cursor string, prefix []byte) ([]byte, error) {
	if cursor == "" {
		return nil, nil
	}
	key, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || !bytes.HasPrefix(key, prefix) {
		return nil, fmt.Errorf("%w cursor %q: not from this listing", backend.ErrInvalid, cursor)
	}
	return key, nil
}

// scanPage visits up to limit keys of b that start with prefix, after
// cursor, ascending or descending, and returns the cursor of the next page
// ("" when no key is left).
func scanPage(b *bolt.Bucket, prefix []byte, cursor string, limit int, desc bool, each func(k, v []byte) error) (string, error) {
	after, err := decodeCursor(cursor, prefix)
	if err != nil {
		return "", err
	}
	c := b.Cursor()
	var k, v []byte
	switch {
	case !desc && after == nil:
		k, v = c.Seek(prefix)
	case !desc:
		k, v = c.Seek(after)
		if bytes.Equal(k, after) {
			k, v = c.Next()
		}
	default:
		start := after
		if start == nil {
			start = append(bytes.Clone(prefix), 0xff)
		}
		if k, _ = c.Seek(start); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	var last []byte
	for n := 0; k != nil && bytes.HasPrefix(k, prefix); n++ {
		if n == limit {
			return encodeCursor(last), nil
		}
		if err := each(k, v); err != nil {
			return "", err
		}
		last = k
		if desc {
			k, v = c.Prev()
		} else {
			k, v = c.Next()
		}
	}
	return "", nil
}

// catalogLimit applies the default and the ceiling to a catalog page size.
func catalogLimit(n int) int {
	if n <= 0 {
		return DefaultCatalogLimit
	}
	return min(n, 1000)
}

// timeKey renders t so that byte order is time order.
func timeKey(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }
