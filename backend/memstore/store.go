// Package memstore is a backend.Store held in memory: the catalog, the
// objects and the metadata files behave as the local store's do (the same
// contract suites run against it), and nothing outlives the process. The
// browser's tests and benchmarks run on it, through Faults when they need
// a call held, failed or counted.
//
// Objects live under keys in S3 order, so a folder exists while something
// is stored under it, and listing cursors stay valid while the folder
// changes. A generated folder (Generate) lists millions of files without
// keeping them. memstore offers none of the optional capabilities of
// backend/optional.go: every caller takes the fallback paths.
package memstore

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/coopterm/coop/backend"
)

// Store is an in-memory backend.Store. It is safe for concurrent use.
type Store struct {
	mu       sync.Mutex
	now      func() time.Time
	pageSize int
	location string
	accounts map[string]backend.Account
	repos    map[backend.RepoRef]backend.Repository
	objects  map[backend.RepoRef]*bucket
	meta     map[backend.RepoRef][]byte // each metadata file's bytes
	metaMu   map[backend.RepoRef]*sync.Mutex
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock that stamps accounts, repositories, objects and
// metadata files (time.Now by default), for tests that show times.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithPageSize sets the most items a page holds when the caller asks for
// no limit or a larger one (1,000 by default, as S3's listings).
func WithPageSize(n int) Option { return func(s *Store) { s.pageSize = n } }

// WithLocation sets what Location reports ("memory" by default).
func WithLocation(loc string) Option { return func(s *Store) { s.location = loc } }

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		now:      time.Now,
		pageSize: 1000,
		location: "memory",
		accounts: map[string]backend.Account{},
		repos:    map[backend.RepoRef]backend.Repository{},
		objects:  map[backend.RepoRef]*bucket{},
		meta:     map[backend.RepoRef][]byte{},
		metaMu:   map[backend.RepoRef]*sync.Mutex{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

var _ backend.Store = (*Store)(nil)

// Init implements backend.Store: an in-memory store needs no layout.
func (s *Store) Init(context.Context) error { return nil }

// Location implements backend.Store.
func (s *Store) Location() string { return s.location }

// Close implements backend.Store: there is nothing to release.
func (s *Store) Close() error { return nil }

// limit is the size of a page asked for with limit.
func (s *Store) limit(limit int) int {
	if limit <= 0 || limit > s.pageSize {
		return s.pageSize
	}
	return limit
}

// CreateAccount implements backend.Catalog: the id must be free under
// every type, as it names the account's objects.
func (s *Store) CreateAccount(ctx context.Context, a backend.Account) error {
	if err := backend.ValidateAccount(a); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.accounts[a.ID]; ok {
		return fmt.Errorf("create account: account %s: %w", a.ID, backend.ErrExists)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.now().UTC()
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	s.accounts[a.ID] = clone(a)
	return nil
}

// GetAccount implements backend.Catalog.
func (s *Store) GetAccount(ctx context.Context, id string, typ backend.AccountType) (backend.Account, error) {
	if err := backend.ValidateAccountKey(id, typ); err != nil {
		return backend.Account{}, err
	}
	a, err := s.FindAccount(ctx, id)
	if err == nil && a.Type != typ {
		return backend.Account{}, fmt.Errorf("account %s of type %s: %w", id, typ, backend.ErrNotFound)
	}
	return a, err
}

// FindAccount implements backend.Catalog.
func (s *Store) FindAccount(ctx context.Context, id string) (backend.Account, error) {
	if err := backend.ValidateID("account", id); err != nil {
		return backend.Account{}, err
	}
	if err := ctx.Err(); err != nil {
		return backend.Account{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[id]
	if !ok {
		return backend.Account{}, fmt.Errorf("account %s: %w", id, backend.ErrNotFound)
	}
	return clone(a), nil
}

// UpdateAccount implements backend.Catalog.
func (s *Store) UpdateAccount(ctx context.Context, a backend.Account) error {
	if err := backend.ValidateAccountUpdate(a); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.accounts[a.ID]
	if !ok || old.Type != a.Type {
		return fmt.Errorf("update account: account %s: %w", a.ID, backend.ErrNotFound)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = old.CreatedAt
	}
	a.UpdatedAt = later(s.now().UTC(), old.UpdatedAt)
	s.accounts[a.ID] = clone(a)
	return nil
}

// ListAccounts implements backend.Catalog: one type by id, or all of
// them organizations first, then users, each by id (the order of the
// platform's type index). The cursor is the last account listed.
func (s *Store) ListAccounts(ctx context.Context, typ backend.AccountType, req backend.PageRequest) (backend.Page[backend.Account], error) {
	if typ != "" && !typ.Valid() {
		return backend.Page[backend.Account]{}, fmt.Errorf("%w account type %q", backend.ErrInvalid, typ)
	}
	if err := ctx.Err(); err != nil {
		return backend.Page[backend.Account]{}, err
	}
	s.mu.Lock()
	var all []backend.Account
	for _, a := range s.accounts {
		// All is organizations and users, as the index is asked for each;
		// accounts of other types open by id only.
		if (typ == "" && a.Type.Valid()) || a.Type == typ {
			all = append(all, clone(a))
		}
	}
	s.mu.Unlock()
	key := func(a backend.Account) string { return string(a.Type) + "\x00" + a.ID }
	slices.SortFunc(all, func(a, b backend.Account) int { return cmp.Compare(key(a), key(b)) })
	return page(all, req, s.limit(req.Limit), key)
}

// FindAccountByEmail implements backend.Catalog.
func (s *Store) FindAccountByEmail(ctx context.Context, email string) (backend.Account, error) {
	if err := ctx.Err(); err != nil {
		return backend.Account{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts {
		if email != "" && a.Email == email {
			return clone(a), nil
		}
	}
	return backend.Account{}, fmt.Errorf("account with email %q: %w", email, backend.ErrNotFound)
}

// CreateRepository implements backend.Catalog. An empty visibility means
// private.
func (s *Store) CreateRepository(ctx context.Context, r backend.Repository) error {
	if r.Visibility == "" {
		r.Visibility = backend.VisibilityPrivate
	}
	if err := backend.ValidateRepository(r); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.accounts[r.AccountID]; !ok {
		return fmt.Errorf("create repository: account %s: %w", r.AccountID, backend.ErrNotFound)
	}
	if _, ok := s.repos[r.Ref()]; ok {
		return fmt.Errorf("create repository: repository %s: %w", r.Ref(), backend.ErrExists)
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now().UTC()
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	s.repos[r.Ref()] = cloneRepo(r)
	return nil
}

// GetRepository implements backend.Catalog.
func (s *Store) GetRepository(ctx context.Context, accountID, repositoryID string) (backend.Repository, error) {
	ref := backend.RepoRef{AccountID: accountID, RepositoryID: repositoryID}
	if err := backend.ValidateRef(ref); err != nil {
		return backend.Repository{}, err
	}
	if err := ctx.Err(); err != nil {
		return backend.Repository{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.repos[ref]
	if !ok {
		return backend.Repository{}, fmt.Errorf("repository %s: %w", ref, backend.ErrNotFound)
	}
	return cloneRepo(r), nil
}

// UpdateRepository implements backend.Catalog.
func (s *Store) UpdateRepository(ctx context.Context, r backend.Repository) error {
	if r.Visibility == "" {
		r.Visibility = backend.VisibilityPrivate
	}
	if err := backend.ValidateRepositoryUpdate(r); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.repos[r.Ref()]
	if !ok {
		return fmt.Errorf("update repository: repository %s: %w", r.Ref(), backend.ErrNotFound)
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = old.CreatedAt
	}
	r.UpdatedAt = later(s.now().UTC(), old.UpdatedAt)
	s.repos[r.Ref()] = cloneRepo(r)
	return nil
}

// ListRepositories implements backend.Catalog: newest first. The cursor
// is the last repository listed.
func (s *Store) ListRepositories(ctx context.Context, accountID string, req backend.PageRequest) (backend.Page[backend.Repository], error) {
	if err := backend.ValidateID("account", accountID); err != nil {
		return backend.Page[backend.Repository]{}, err
	}
	if err := ctx.Err(); err != nil {
		return backend.Page[backend.Repository]{}, err
	}
	s.mu.Lock()
	_, known := s.accounts[accountID]
	var all []backend.Repository
	for _, r := range s.repos {
		if r.AccountID == accountID {
			all = append(all, cloneRepo(r))
		}
	}
	s.mu.Unlock()
	if !known && len(all) == 0 {
		return backend.Page[backend.Repository]{}, fmt.Errorf("list repositories of %s: account %s: %w", accountID, accountID, backend.ErrNotFound)
	}
	// Newest first: the key sorts descending times ascending.
	key := func(r backend.Repository) string {
		return fmt.Sprintf("%020d\x00%s", ^(uint64(r.CreatedAt.UnixNano()) ^ 1<<63), r.ID)
	}
	slices.SortFunc(all, func(a, b backend.Repository) int { return cmp.Compare(key(a), key(b)) })
	return page(all, req, s.limit(req.Limit), key)
}

// page returns the items after the cursor (the key of the last item of
// the previous page), at most limit of them.
func page[T any](sorted []T, req backend.PageRequest, limit int, key func(T) string) (backend.Page[T], error) {
	start := 0
	if req.Cursor != "" {
		start, _ = slices.BinarySearchFunc(sorted, req.Cursor, func(item T, c string) int { return cmp.Compare(key(item), c) })
		if start < len(sorted) && key(sorted[start]) == req.Cursor {
			start++
		}
	}
	end := min(start+limit, len(sorted))
	p := backend.Page[T]{Items: sorted[start:end]}
	if end < len(sorted) {
		p.Next = key(sorted[end-1])
	}
	return p, nil
}

// later is now, or just after before if the clock has not moved past it,
// so that an update always advances UpdatedAt.
func later(now, before time.Time) time.Time {
	if !now.After(before) {
		return before.Add(time.Microsecond)
	}
	return now
}

// clone copies an account as a store that encodes it would give it back:
// the maps are the caller's no longer.
func clone(a backend.Account) backend.Account {
	a.MetadataPublic, a.MetadataPrivate = cloneMap(a.MetadataPublic), cloneMap(a.MetadataPrivate)
	return a
}

// cloneRepo copies a repository as clone copies an account.
func cloneRepo(r backend.Repository) backend.Repository {
	r.Metadata = cloneMap(r.Metadata)
	return r
}

// cloneMap copies m through JSON, as the stores keep such maps: numbers
// come back as json.Number, every digit kept.
func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	data, err := json.Marshal(m)
	if err != nil {
		return maps.Clone(m)
	}
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if dec.Decode(&out) != nil {
		return maps.Clone(m)
	}
	return out
}

// ImportAccount stores a as another tool might have written it: any id
// and type a read accepts, any times, and the attributes a store could
// not read (a.Unreadable) as a store reading them would report them. For
// tests of what other writers leave in the catalog.
func (s *Store) ImportAccount(a backend.Account) error {
	if err := backend.ValidateAccountKey(a.ID, a.Type); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[a.ID] = clone(a)
	return nil
}

// ImportRepository stores r as ImportAccount stores an account; its
// account must be there.
func (s *Store) ImportRepository(r backend.Repository) error {
	if err := backend.ValidateRef(r.Ref()); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.accounts[r.AccountID]; !ok {
		return fmt.Errorf("import repository: account %s: %w", r.AccountID, backend.ErrNotFound)
	}
	s.repos[r.Ref()] = cloneRepo(r)
	return nil
}
