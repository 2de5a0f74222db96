package local

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coopterm/coop/backend"
)

func repoKey(accountID, repositoryID string) []byte {
	return []byte(repositoryID + sep + accountID)
}

func repoAccountKey(r backend.Repository) []byte {
	return []byte(r.AccountID + sep + timeKey(r.CreatedAt) + sep + r.ID)
}

// CreateRepository adds a repository of an existing account and creates
// its storage folder. An empty Visibility means private.
func (s *Store) CreateRepository(ctx context.Context, r backend.Repository) error {
	if r.Visibility == "" {
		r.Visibility = backend.VisibilityPrivate
	}
	if err := backend.ValidateRepository(r); err != nil {
		return err
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now().UTC()
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	// Folders the catalog does not know yet are adopted: the account's, so
	// a repository can be made in it, and the repository's, whose id is
	// then taken, as if both had been adopted when the store opened.
	folders, adopted := s.accountFolder(r.AccountID), false
	if len(folders) > 0 {
		if repo := s.repoFolders(r.AccountID, r.ID); len(repo) == 2 {
			folders = repo
		}
	}
	err := s.update(ctx, func(tx *bolt.Tx) error {
		for _, f := range unknownFolders(tx, folders) {
			if err := putFolder(tx, f); err != nil {
				return err
			}
			adopted = adopted || f.repo != ""
		}
		if findAccountKey(tx, r.AccountID) == nil {
			return fmt.Errorf("account %s: %w", r.AccountID, backend.ErrNotFound)
		}
		if adopted { // commit the adoption; the id is taken
			return nil
		}
		if tx.Bucket(bktRepos).Get(repoKey(r.AccountID, r.ID)) != nil {
			return fmt.Errorf("repository %s: %w", r.Ref(), backend.ErrExists)
		}
		return putRepo(tx, r)
	})
	if err == nil && adopted {
		err = fmt.Errorf("repository %s: %w (its folder was already there)", r.Ref(), backend.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("create repository: %w", err)
	}
	if err := os.MkdirAll(s.repoDir(r.Ref()), 0o755); err != nil {
		return fmt.Errorf("create repository %s folder: %w", r.Ref(), err)
	}
	return nil
}

// putRepo writes a repository and its index entry, keeping the fields of
// the stored item coop does not know or could not read.
func putRepo(tx *bolt.Tx, r backend.Repository) error {
	key := repoKey(r.AccountID, r.ID)
	data, err := encodeItem(tx.Bucket(bktRepos).Get(key), repoFields(r), r.Unreadable)
	if err != nil {
		return fmt.Errorf("encode repository %s: %w", r.Ref(), err)
	}
	if err := tx.Bucket(bktRepos).Put(key, data); err != nil {
		return err
	}
	return tx.Bucket(bktReposByAccount).Put(repoAccountKey(r), key)
}

// getRepo reads one repository by table key from tx. An item coop cannot
// read in full is returned with its Unreadable list, not as an error.
func getRepo(tx *bolt.Tx, key []byte) (backend.Repository, error) {
	data := tx.Bucket(bktRepos).Get(key)
	if data == nil {
		repoID, accountID, _ := bytes.Cut(key, []byte(sep))
		return backend.Repository{}, fmt.Errorf("repository %s/%s: %w", accountID, repoID, backend.ErrNotFound)
	}
	return decodeRepo(key, data), nil
}

// GetRepository reads a repository by its key.
func (s *Store) GetRepository(ctx context.Context, accountID, repositoryID string) (backend.Repository, error) {
	var r backend.Repository
	if err := backend.ValidateRef(backend.RepoRef{AccountID: accountID, RepositoryID: repositoryID}); err != nil {
		return r, err
	}
	err := s.retryAdopting(ctx, func() error {
		return s.view(ctx, func(tx *bolt.Tx) (err error) {
			r, err = getRepo(tx, repoKey(accountID, repositoryID))
			return err
		})
	}, func() []folder { return s.repoFolders(accountID, repositoryID) })
	return r, err
}

// UpdateRepository replaces an existing repository, keeping its CreatedAt
// when r leaves it zero, and sets UpdatedAt.
func (s *Store) UpdateRepository(ctx context.Context, r backend.Repository) error {
	if r.Visibility == "" {
		r.Visibility = backend.VisibilityPrivate
	}
	if err := backend.ValidateRepositoryUpdate(r); err != nil {
		return err
	}
	err := s.retryAdopting(ctx, func() error {
		return s.update(ctx, func(tx *bolt.Tx) error {
			old, err := getRepo(tx, repoKey(r.AccountID, r.ID))
			if err != nil {
				return err
			}
			if r.CreatedAt.IsZero() {
				r.CreatedAt = old.CreatedAt
			}
			r.UpdatedAt = time.Now().UTC()
			if err := tx.Bucket(bktReposByAccount).Delete(repoAccountKey(old)); err != nil {
				return err
			}
			return putRepo(tx, r)
		})
	}, func() []folder { return s.repoFolders(r.AccountID, r.ID) })
	if err != nil {
		return fmt.Errorf("update repository: %w", err)
	}
	return nil
}

// ListRepositories lists an account's repositories, newest first.
func (s *Store) ListRepositories(ctx context.Context, accountID string, req backend.PageRequest) (backend.Page[backend.Repository], error) {
	var page backend.Page[backend.Repository]
	if err := backend.ValidateID("account", accountID); err != nil {
		return page, err
	}
	found, err := s.accountFolders(accountID) // a listing adopts what it lists
	if err != nil {
		return page, fmt.Errorf("list repositories of %s: %w", accountID, err)
	}
	err = s.viewAdopting(ctx, found, func(tx *bolt.Tx) (err error) {
		page = backend.Page[backend.Repository]{}
		prefix := []byte(accountID + sep)
		page.Next, err = scanPage(tx.Bucket(bktReposByAccount), prefix, req.Cursor, catalogLimit(req.Limit), true, func(_, v []byte) error {
			r, err := getRepo(tx, v)
			page.Items = append(page.Items, r)
			return err
		})
		if err == nil && len(page.Items) == 0 && req.Cursor == "" && findAccountKey(tx, accountID) == nil {
			return fmt.Errorf("account %s: %w", accountID, backend.ErrNotFound)
		}
		return err
	})
	if err != nil {
		return backend.Page[backend.Repository]{}, fmt.Errorf("list repositories of %s: %w", accountID, err)
	}
	return page, nil
}
