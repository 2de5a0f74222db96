package local

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode"

	bolt "go.etcd.io/bbolt"

	"github.com/coopterm/coop/backend"
)

func accountKey(id string, typ backend.AccountType) []byte {
	return []byte(id + sep + string(typ))
}

func accountTypeKey(a backend.Account) []byte {
	return []byte(string(a.Type) + sep + a.ID)
}

func accountEmailKey(a backend.Account) []byte {
	return []byte(a.Email + sep + a.ID + sep + string(a.Type))
}

// CreateAccount adds an account. Its id must be free under every type, as
// it also names the account's storage folder, which is created too.
func (s *Store) CreateAccount(ctx context.Context, a backend.Account) error {
	if err := backend.ValidateAccount(a); err != nil {
		return err
	}
	now := time.Now().UTC()
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	// A folder of that name the catalog does not know yet is adopted, and
	// the id is taken, as if it had been adopted when the store opened.
	folders, adopted := s.accountFolder(a.ID), false
	err := s.update(ctx, func(tx *bolt.Tx) error {
		if findAccountKey(tx, a.ID) != nil {
			return fmt.Errorf("account %s: %w", a.ID, backend.ErrExists)
		}
		if len(folders) > 0 {
			adopted = true
			return putFolder(tx, folders[0])
		}
		return putAccount(tx, a)
	})
	if err == nil && adopted {
		err = fmt.Errorf("account %s: %w (its folder was already there)", a.ID, backend.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("create account: %w", err)
	}
	if err := os.MkdirAll(s.accountDir(a.ID), 0o755); err != nil {
		return fmt.Errorf("create account %s folder: %w", a.ID, err)
	}
	return nil
}

// putAccount writes an account and its index entries, keeping the fields
// of the stored item coop does not know or could not read.
func putAccount(tx *bolt.Tx, a backend.Account) error {
	key := accountKey(a.ID, a.Type)
	data, err := encodeItem(tx.Bucket(bktAccounts).Get(key), accountFields(a), a.Unreadable)
	if err != nil {
		return fmt.Errorf("encode account %s: %w", a.ID, err)
	}
	if err := tx.Bucket(bktAccounts).Put(key, data); err != nil {
		return err
	}
	if err := tx.Bucket(bktAccountsByType).Put(accountTypeKey(a), key); err != nil {
		return err
	}
	if a.Email != "" {
		return tx.Bucket(bktAccountsByEmail).Put(accountEmailKey(a), key)
	}
	return nil
}

// findAccountKey returns the table key of the account with this id,
// whatever its type, or nil if there is none.
func findAccountKey(tx *bolt.Tx, id string) []byte {
	prefix := []byte(id + sep)
	if k, _ := tx.Bucket(bktAccounts).Cursor().Seek(prefix); bytes.HasPrefix(k, prefix) {
		return k
	}
	return nil
}

// getAccount reads one account by table key from tx. An item coop cannot
// read in full is returned with its Unreadable list, not as an error.
func getAccount(tx *bolt.Tx, key []byte) (backend.Account, error) {
	data := tx.Bucket(bktAccounts).Get(key)
	if data == nil {
		id, typ, _ := strings.Cut(string(key), sep)
		return backend.Account{}, fmt.Errorf("account %s (%s): %w", id, typ, backend.ErrNotFound)
	}
	return decodeAccount(key, data), nil
}

// GetAccount reads an account by (id, type).
func (s *Store) GetAccount(ctx context.Context, id string, typ backend.AccountType) (backend.Account, error) {
	var a backend.Account
	if err := backend.ValidateAccountKey(id, typ); err != nil {
		return a, err
	}
	err := s.retryAdopting(ctx, func() error {
		return s.view(ctx, func(tx *bolt.Tx) (err error) {
			a, err = getAccount(tx, accountKey(id, typ))
			return err
		})
	}, func() []folder { return s.accountFolder(id) })
	return a, err
}

// FindAccount reads an account by id, whatever its type.
func (s *Store) FindAccount(ctx context.Context, id string) (backend.Account, error) {
	var a backend.Account
	if err := backend.ValidateID("account", id); err != nil {
		return a, err
	}
	err := s.retryAdopting(ctx, func() error {
		return s.view(ctx, func(tx *bolt.Tx) (err error) {
			k := findAccountKey(tx, id)
			if k == nil {
				return fmt.Errorf("account %s: %w", id, backend.ErrNotFound)
			}
			a, err = getAccount(tx, k)
			return err
		})
	}, func() []folder { return s.accountFolder(id) })
	return a, err
}

// UpdateAccount replaces an existing account, keeping its CreatedAt when
// a leaves it zero, and sets UpdatedAt.
func (s *Store) UpdateAccount(ctx context.Context, a backend.Account) error {
	if err := backend.ValidateAccountUpdate(a); err != nil {
		return err
	}
	err := s.retryAdopting(ctx, func() error {
		return s.update(ctx, func(tx *bolt.Tx) error {
			old, err := getAccount(tx, accountKey(a.ID, a.Type))
			if err != nil {
				return err
			}
			if a.CreatedAt.IsZero() {
				a.CreatedAt = old.CreatedAt
			}
			a.UpdatedAt = time.Now().UTC()
			if old.Email != "" && old.Email != a.Email {
				if err := tx.Bucket(bktAccountsByEmail).Delete(accountEmailKey(old)); err != nil {
					return err
				}
			}
			return putAccount(tx, a)
		})
	}, func() []folder { return s.accountFolder(a.ID) })
	if err != nil {
		return fmt.Errorf("update account: %w", err)
	}
	return nil
}

// ListAccounts lists accounts of one type ("" for every type) in id order.
func (s *Store) ListAccounts(ctx context.Context, typ backend.AccountType, req backend.PageRequest) (backend.Page[backend.Account], error) {
	var page backend.Page[backend.Account]
	if typ != "" && !typ.Valid() {
		return page, fmt.Errorf("%w account type %q", backend.ErrInvalid, typ)
	}
	found, err := s.rootFolders() // a listing adopts what it lists
	if err != nil {
		return page, fmt.Errorf("list accounts: %w", err)
	}
	err = s.viewAdopting(ctx, found, func(tx *bolt.Tx) (err error) {
		page = backend.Page[backend.Account]{}
		// The type index orders organizations before users, each by id:
		// the order DynamoDB's GSI1 gives when both types are listed.
		b, prefix := tx.Bucket(bktAccountsByType), []byte(nil)
		if typ != "" {
			prefix = []byte(string(typ) + sep)
		}
		page.Next, err = scanPage(b, prefix, req.Cursor, catalogLimit(req.Limit), false, func(_, v []byte) error {
			a, err := getAccount(tx, v)
			page.Items = append(page.Items, a)
			return err
		})
		return err
	})
	if err != nil {
		return backend.Page[backend.Account]{}, fmt.Errorf("list accounts: %w", err)
	}
	return page, nil
}

// FindAccountByEmail finds the account with this email; if several share
// it, the one with the lowest id.
func (s *Store) FindAccountByEmail(ctx context.Context, email string) (backend.Account, error) {
	var a backend.Account
	if email == "" {
		return a, fmt.Errorf("%w email: empty", backend.ErrInvalid)
	}
	if strings.IndexFunc(email, unicode.IsControl) >= 0 {
		return a, fmt.Errorf("%w email %q: contains a control character", backend.ErrInvalid, email)
	}
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		prefix := []byte(email + sep)
		k, v := tx.Bucket(bktAccountsByEmail).Cursor().Seek(prefix)
		if !bytes.HasPrefix(k, prefix) {
			return fmt.Errorf("account with email %q: %w", email, backend.ErrNotFound)
		}
		a, err = getAccount(tx, v)
		return err
	})
	return a, err
}
