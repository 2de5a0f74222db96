package local

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"

	"github.com/coopterm/coop/backend"
)

// Catalog items whole (backend.ItemCatalog), for copying a store to
// another: every attribute as stored, those coop does not know included.
// An item written this way gets the schema's attributes it lacks as empty
// values, as every item this store writes has them.

// AccountItem reads an account as stored.
func (s *Store) AccountItem(ctx context.Context, id string, typ backend.AccountType) (backend.Item, error) {
	var it backend.Item
	err := s.retryAdopting(ctx, func() error {
		return s.view(ctx, func(tx *bolt.Tx) error {
			data := tx.Bucket(bktAccounts).Get(accountKey(id, typ))
			if data == nil {
				return fmt.Errorf("account %s (%s): %w", id, typ, backend.ErrNotFound)
			}
			var err error
			it, err = itemOf(data, map[string]any{backend.AttrAccountID: id, backend.AttrType: string(typ)})
			return err
		})
	}, func() []folder { return s.accountFolder(id) })
	return it, err
}

// RepositoryItem reads a repository as stored.
func (s *Store) RepositoryItem(ctx context.Context, accountID, repositoryID string) (backend.Item, error) {
	var it backend.Item
	err := s.retryAdopting(ctx, func() error {
		return s.view(ctx, func(tx *bolt.Tx) error {
			data := tx.Bucket(bktRepos).Get(repoKey(accountID, repositoryID))
			if data == nil {
				return fmt.Errorf("repository %s/%s: %w", accountID, repositoryID, backend.ErrNotFound)
			}
			var err error
			it, err = itemOf(data, map[string]any{backend.AttrAccountID: accountID, backend.AttrRepositoryID: repositoryID})
			return err
		})
	}, func() []folder { return s.repoFolders(accountID, repositoryID) })
	return it, err
}

// itemOf decodes a stored item; one that is not a JSON object is an
// error, since there is nothing whole to copy.
func itemOf(data []byte, key map[string]any) (backend.Item, error) {
	it, err := backend.DecodeItem(data)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", key, err)
	}
	for k, v := range key { // the table key is the bucket key's
		it[k] = v
	}
	return it, nil
}

// PutAccountItem stores an account item as given.
func (s *Store) PutAccountItem(ctx context.Context, it backend.Item) error {
	id, typ, err := backend.AccountItemKey(it)
	if err != nil {
		return err
	}
	data, err := json.Marshal(withDefaults(it, backend.AttrName, backend.AttrEmail, backend.AttrMetadataPublic, backend.AttrMetadataPrivate))
	if err != nil {
		return fmt.Errorf("encode account %s: %w", id, err)
	}
	key := accountKey(id, typ)
	err = s.update(ctx, func(tx *bolt.Tx) error {
		if k := findAccountKey(tx, id); k != nil && string(k) != string(key) {
			return fmt.Errorf("account %s: %w under another type", id, backend.ErrExists)
		}
		if old := tx.Bucket(bktAccounts).Get(key); old != nil {
			if a := decodeAccount(key, old); a.Email != "" {
				if err := tx.Bucket(bktAccountsByEmail).Delete(accountEmailKey(a)); err != nil {
					return err
				}
			}
		}
		if err := tx.Bucket(bktAccounts).Put(key, data); err != nil {
			return err
		}
		a := decodeAccount(key, data)
		if err := tx.Bucket(bktAccountsByType).Put(accountTypeKey(a), key); err != nil {
			return err
		}
		if a.Email != "" {
			return tx.Bucket(bktAccountsByEmail).Put(accountEmailKey(a), key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put account %s: %w", id, err)
	}
	if err := os.MkdirAll(s.accountDir(id), 0o755); err != nil {
		return fmt.Errorf("create account %s folder: %w", id, err)
	}
	return nil
}

// PutRepositoryItem stores a repository item as given; its account must
// exist.
func (s *Store) PutRepositoryItem(ctx context.Context, it backend.Item) error {
	ref, err := backend.RepositoryItemKey(it)
	if err != nil {
		return err
	}
	data, err := json.Marshal(withDefaults(it, backend.AttrTitle, backend.AttrDescription, backend.AttrMetadata))
	if err != nil {
		return fmt.Errorf("encode repository %s: %w", ref, err)
	}
	key := repoKey(ref.AccountID, ref.RepositoryID)
	acct := s.accountFolder(ref.AccountID) // adopted if the catalog lacks it
	err = s.update(ctx, func(tx *bolt.Tx) error {
		for _, f := range unknownFolders(tx, acct) {
			if err := putFolder(tx, f); err != nil {
				return err
			}
		}
		if findAccountKey(tx, ref.AccountID) == nil {
			return fmt.Errorf("account %s: %w", ref.AccountID, backend.ErrNotFound)
		}
		if old := tx.Bucket(bktRepos).Get(key); old != nil {
			if err := tx.Bucket(bktReposByAccount).Delete(repoAccountKey(decodeRepo(key, old))); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bktRepos).Put(key, data); err != nil {
			return err
		}
		return tx.Bucket(bktReposByAccount).Put(repoAccountKey(decodeRepo(key, data)), key)
	})
	if err != nil {
		return fmt.Errorf("put repository %s: %w", ref, err)
	}
	if err := os.MkdirAll(s.repoDir(ref), 0o755); err != nil {
		return fmt.Errorf("create repository %s folder: %w", ref, err)
	}
	return nil
}

// withDefaults copies it with an empty value for each of names it lacks:
// "" for a string attribute, {} for a metadata map.
func withDefaults(it backend.Item, names ...string) backend.Item {
	out := make(backend.Item, len(it)+len(names))
	for k, v := range it {
		out[k] = v
	}
	for _, n := range names {
		if _, ok := out[n]; ok {
			continue
		}
		switch n {
		case backend.AttrMetadata, backend.AttrMetadataPublic, backend.AttrMetadataPrivate:
			out[n] = map[string]any{}
		default:
			out[n] = ""
		}
	}
	return out
}

var _ backend.ItemCatalog = (*Store)(nil)
