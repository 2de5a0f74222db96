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

// folder is an account or repository folder found in the storage tree.
type folder struct {
	account, repo string // repo is "" for an account folder
	path          string
}

// adopt adds to the catalog every account and repository folder it does
// not know, so an existing storage tree opens as it is. It first checks
// read-only and takes the catalog's write lock only if something is
// missing.
func (s *Store) adopt(ctx context.Context) error {
	found, err := s.scanTree()
	if err != nil {
		return err
	}
	var missing []folder
	err = s.view(ctx, func(tx *bolt.Tx) error {
		missing = unknownFolders(tx, found)
		return nil
	})
	switch {
	case errors.Is(err, backend.ErrNotInitialized):
		missing = found // no catalog yet: create it and adopt everything
	case err != nil:
		return fmt.Errorf("check catalog against storage folders: %w", err)
	case len(missing) == 0:
		return nil
	}
	err = s.update(ctx, func(tx *bolt.Tx) error {
		for _, f := range unknownFolders(tx, missing) { // another process may have adopted some meanwhile
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
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("adopt storage folders: %w", err)
	}
	return nil
}

// unknownFolders returns the folders that have no catalog entry. An
// account counts as known under any type.
func unknownFolders(tx *bolt.Tx, found []folder) []folder {
	var missing []folder
	for _, f := range found {
		if f.repo == "" {
			if findAccountKey(tx, f.account) != nil {
				continue
			}
		} else if tx.Bucket(bktRepos).Get(repoKey(f.account, f.repo)) != nil {
			continue
		}
		missing = append(missing, f)
	}
	return missing
}

// scanTree lists the account folders under the root and the repository
// folders in each, skipping .coop, symlinks, files and names that are not
// valid ids. Accounts come before their repositories.
func (s *Store) scanTree() ([]folder, error) {
	accounts, err := os.ReadDir(s.root)
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
		repos, err := os.ReadDir(adir)
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

// folderTime is a folder's modification time, or now if it cannot be read.
func folderTime(path string) time.Time {
	if fi, err := os.Stat(path); err == nil {
		return fi.ModTime().UTC()
	}
	return time.Now().UTC()
}
