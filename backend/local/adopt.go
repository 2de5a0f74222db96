package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coopterm/coop/backend"
)

// Adoption: account and repository folders that other tools or people made
// without the catalog become catalog entries (an account a user, a
// repository private, the folder's time as created). It is lazy, so that
// opening a store costs the same whatever its size: a lookup that misses
// checks its one folder, a listing adopts the folders it lists, and only
// Init (coop init) walks the whole tree.

// folder is an account or repository folder found in the storage tree.
type folder struct {
	account, repo string // repo is "" for an account folder
	path          string
}

// adopt adds to the catalog every account and repository folder it does
// not know, so an existing storage tree opens as it is. Init uses it.
func (s *Store) adopt(ctx context.Context) error {
	found, err := s.scanTree()
	if err != nil {
		return err
	}
	return s.viewAdopting(ctx, found, func(*bolt.Tx) error { return nil })
}

// viewAdopting runs fn in a read-only transaction once the folders found
// are all in the catalog: it checks them in the same transaction and
// takes the catalog's write lock only if some are missing.
func (s *Store) viewAdopting(ctx context.Context, found []folder, fn func(tx *bolt.Tx) error) error {
	if len(found) == 0 {
		return s.view(ctx, fn)
	}
	var missing []folder
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if missing = unknownFolders(tx, found); len(missing) > 0 {
			return nil
		}
		return fn(tx)
	})
	switch {
	case errors.Is(err, backend.ErrNotInitialized):
		missing = found // no catalog yet: create it and adopt them all
	case err != nil:
		return err
	case len(missing) == 0:
		return nil
	}
	if err := s.adoptFolders(ctx, missing); err != nil {
		return err
	}
	return s.view(ctx, fn)
}

// adoptFolders writes the catalog entries of folders, skipping those
// another process adopted meanwhile.
func (s *Store) adoptFolders(ctx context.Context, found []folder) error {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		for _, f := range unknownFolders(tx, found) {
			if err := putFolder(tx, f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("adopt storage folders: %w", err)
	}
	return nil
}

// retryAdopting runs op; if it fails with backend.ErrNotFound and folders
// finds folders on disk, op runs once more after the catalog has them:
// adopted here if it still lacks them, or already adopted by another
// process between op's miss and the check. The catalog is checked
// read-only first, so a miss for another reason (an account asked for
// under another type) never takes the write lock.
func (s *Store) retryAdopting(ctx context.Context, op func() error, folders func() []folder) error {
	err := op()
	if !errors.Is(err, backend.ErrNotFound) {
		return err
	}
	found := folders()
	if len(found) == 0 {
		return err
	}
	var missing []folder
	if verr := s.view(ctx, func(tx *bolt.Tx) error {
		missing = unknownFolders(tx, found)
		return nil
	}); verr != nil {
		return verr
	}
	if len(missing) == 0 {
		return op()
	}
	if err := s.adoptFolders(ctx, missing); err != nil {
		return err
	}
	return op()
}

// putFolder writes the catalog entry of an adopted folder.
func putFolder(tx *bolt.Tx, f folder) error {
	created := folderTime(f.path)
	var err error
	if f.repo == "" {
		err = putAccount(tx, backend.Account{ID: f.account, Type: backend.AccountUser, Name: f.account, CreatedAt: created, UpdatedAt: created})
	} else {
		err = putRepo(tx, backend.Repository{ID: f.repo, AccountID: f.account, Title: f.repo,
			Visibility: backend.VisibilityPrivate, CreatedAt: created, UpdatedAt: created})
	}
	if err != nil {
		return fmt.Errorf("adopt folder %s: %w", f.path, err)
	}
	return nil
}

// unknownFolders returns the folders that have no catalog entry. An
// account counts as known under any type.
func unknownFolders(tx *bolt.Tx, found []folder) []folder {
	var missing []folder
	for _, f := range found {
		if !known(tx, f) {
			missing = append(missing, f)
		}
	}
	return missing
}

func known(tx *bolt.Tx, f folder) bool {
	if f.repo == "" {
		return findAccountKey(tx, f.account) != nil
	}
	return tx.Bucket(bktRepos).Get(repoKey(f.account, f.repo)) != nil
}

// accountFolder returns the account's folder if it is one adoption takes:
// a valid id naming a real folder, not a symlink.
func (s *Store) accountFolder(id string) []folder {
	if s.skipAdopt || backend.ValidateNewID("account", id) != nil {
		return nil
	}
	p := s.accountDir(id)
	if !isRealDir(p) {
		return nil
	}
	return []folder{{account: id, path: p}}
}

// repoFolders returns the repository's folder and its account's, if
// both are ones adoption takes; nil otherwise.
func (s *Store) repoFolders(accountID, repoID string) []folder {
	acct := s.accountFolder(accountID)
	if acct == nil || backend.ValidateNewID("repository", repoID) != nil {
		return nil
	}
	p := filepath.Join(acct[0].path, repoID)
	if !isRealDir(p) {
		return nil
	}
	return append(acct, folder{account: accountID, repo: repoID, path: p})
}

func isRealDir(p string) bool {
	fi, err := os.Lstat(p)
	return err == nil && fi.IsDir()
}

// rootFolders lists the account folders under the root, for a listing of
// accounts. A root that does not exist has none.
func (s *Store) rootFolders() ([]folder, error) {
	if s.skipAdopt {
		return nil, nil
	}
	entries, err := s.readDir(s.root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read storage root: %w: %w", backend.ErrUnavailable, err)
	}
	var found []folder
	for _, a := range entries {
		if a.IsDir() && backend.ValidateNewID("account", a.Name()) == nil {
			found = append(found, folder{account: a.Name(), path: filepath.Join(s.root, a.Name())})
		}
	}
	return found, nil
}

// accountFolders lists one account's folder and its repository folders,
// for a listing of its repositories. An account without a folder has none.
func (s *Store) accountFolders(accountID string) ([]folder, error) {
	acct := s.accountFolder(accountID)
	if acct == nil {
		return nil, nil
	}
	repos, err := s.readDir(acct[0].path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read account folder %s: %w: %w", acct[0].path, backend.ErrUnavailable, err)
	}
	found := acct
	for _, r := range repos {
		if r.IsDir() && backend.ValidateNewID("repository", r.Name()) == nil {
			found = append(found, folder{account: accountID, repo: r.Name(), path: filepath.Join(acct[0].path, r.Name())})
		}
	}
	return found, nil
}

// scanTree lists the account folders under the root and the repository
// folders in each, skipping .coop, symlinks, files and names that are not
// valid ids. Accounts come before their repositories.
func (s *Store) scanTree() ([]folder, error) {
	accounts, err := s.readDir(s.root)
	if err != nil {
		return nil, fmt.Errorf("read storage root: %w: %w", backend.ErrUnavailable, err)
	}
	var found []folder
	for _, a := range accounts {
		if !a.IsDir() || backend.ValidateNewID("account", a.Name()) != nil {
			continue
		}
		adir := filepath.Join(s.root, a.Name())
		found = append(found, folder{account: a.Name(), path: adir})
		repos, err := s.readDir(adir)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("read account folder %s: %w: %w", adir, backend.ErrUnavailable, err)
		}
		for _, r := range repos {
			if r.IsDir() && backend.ValidateNewID("repository", r.Name()) == nil {
				found = append(found, folder{account: a.Name(), repo: r.Name(), path: filepath.Join(adir, r.Name())})
			}
		}
	}
	return found, nil
}

// readDir reads a folder of the storage tree for adoption; tests count
// the calls.
func (s *Store) readDir(p string) ([]os.DirEntry, error) {
	if s.onReadDir != nil {
		s.onReadDir(p)
	}
	return os.ReadDir(p)
}

// folderTime is a folder's modification time, or now if it cannot be read.
func folderTime(path string) time.Time {
	if fi, err := os.Stat(path); err == nil {
		return fi.ModTime().UTC()
	}
	return time.Now().UTC()
}
