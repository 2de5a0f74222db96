// Package fakestore is an in-memory backend.Store for the browser's tests
// and benchmarks: it pages like a real store, counts calls, can hold a
// request until a test releases it, and can synthesise huge folders
// without keeping them in memory.
package fakestore

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coopterm/coop/backend"
)

// Store is a fake backend.Store. Fill it with the Add* methods before use;
// every method is safe for concurrent use.
type Store struct {
	mu       sync.Mutex
	pageSize int
	accounts []backend.Account
	repos    map[string][]backend.Repository
	folders  map[folderKey][]backend.Entry
	synth    map[folderKey]int
	meta     map[backend.RepoRef]metaResult
	calls    map[string]int
	fail     map[string]error
	gates    map[string]chan struct{}
}

type folderKey struct {
	repo   backend.RepoRef
	folder string
}

type metaResult struct {
	meta backend.SourceMetadata
	err  error
}

// New returns an empty store that serves pages of pageSize items.
func New(pageSize int) *Store {
	return &Store{
		pageSize: pageSize,
		repos:    map[string][]backend.Repository{},
		folders:  map[folderKey][]backend.Entry{},
		synth:    map[folderKey]int{},
		meta:     map[backend.RepoRef]metaResult{},
		calls:    map[string]int{},
		fail:     map[string]error{},
		gates:    map[string]chan struct{}{},
	}
}

// AddAccount adds an account.
func (s *Store) AddAccount(id string, typ backend.AccountType, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts = append(s.accounts, backend.Account{ID: id, Type: typ, Name: name,
		CreatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	sort.Slice(s.accounts, func(i, j int) bool { return s.accounts[i].ID < s.accounts[j].ID })
}

// AddRepo adds a repository; repositories list newest first.
func (s *Store) AddRepo(r backend.Repository) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := append(s.repos[r.AccountID], r)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].CreatedAt.After(rs[j].CreatedAt) })
	s.repos[r.AccountID] = rs
	if _, ok := s.folders[folderKey{r.Ref(), ""}]; !ok {
		s.folders[folderKey{r.Ref(), ""}] = nil
	}
}

// AddFile adds a file and every folder above it.
func (s *Store) AddFile(repo backend.RepoRef, path string, size int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.add(repo, backend.Entry{Path: path, Type: backend.TypeFile, Size: size,
		ModTime: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)})
}

// AddDir adds an empty folder and every folder above it.
func (s *Store) AddDir(repo backend.RepoRef, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.add(repo, backend.Entry{Path: path, Type: backend.TypeDirectory})
	if _, ok := s.folders[folderKey{repo, path}]; !ok {
		s.folders[folderKey{repo, path}] = nil
	}
}

func (s *Store) add(repo backend.RepoRef, e backend.Entry) {
	folder, name := "", e.Path
	if i := strings.LastIndexByte(e.Path, '/'); i >= 0 {
		folder, name = e.Path[:i], e.Path[i+1:]
	}
	e.Name = name
	k := folderKey{repo, folder}
	es := s.folders[k]
	for _, x := range es {
		if x.Name == name {
			return
		}
	}
	es = append(es, e)
	sort.Slice(es, func(i, j int) bool { return es[i].Name < es[j].Name })
	s.folders[k] = es
	if folder != "" {
		s.add(repo, backend.Entry{Path: folder, Type: backend.TypeDirectory})
		if _, ok := s.folders[folderKey{repo, folder}]; !ok {
			s.folders[folderKey{repo, folder}] = nil
		}
	}
}

// Synthesize makes folder list n generated files named file-0000000.dat
// and so on, produced page by page rather than stored.
func (s *Store) Synthesize(repo backend.RepoRef, folder string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.synth[folderKey{repo, folder}] = n
}

// SetMetadata sets what ReadMetadata returns for repo: the document, or an
// error (wrap backend.ErrMetadataMissing or ErrMetadataCorrupt).
func (s *Store) SetMetadata(repo backend.RepoRef, m backend.SourceMetadata, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.meta[repo] = metaResult{m, err}
}

// Fail makes calls of the given operation key fail with err (nil clears).
// Keys are as counted by Calls: "list acct/repo:folder", "accounts user",
// "repos acct", "meta acct/repo".
func (s *Store) Fail(op string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.fail, op)
		return
	}
	s.fail[op] = err
}

// Hold makes calls of op wait until Release(op) (or their context ends).
func (s *Store) Hold(op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gates[op] = make(chan struct{})
}

// Release lets held calls of op proceed.
func (s *Store) Release(op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.gates[op]; ok {
		close(g)
		delete(s.gates, op)
	}
}

// Calls returns how many times op was called.
func (s *Store) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

func (s *Store) enter(ctx context.Context, op string) error {
	s.mu.Lock()
	s.calls[op]++
	g := s.gates[op]
	err := s.fail[op]
	s.mu.Unlock()
	if g != nil {
		select {
		case <-g:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

func page[T any](items []T, req backend.PageRequest, size int) (backend.Page[T], error) {
	start := 0
	if req.Cursor != "" {
		n, err := strconv.Atoi(req.Cursor)
		if err != nil || n < 0 || n > len(items) {
			return backend.Page[T]{}, fmt.Errorf("%w cursor %q", backend.ErrInvalid, req.Cursor)
		}
		start = n
	}
	if req.Limit > 0 && req.Limit < size {
		size = req.Limit
	}
	end := min(start+size, len(items))
	p := backend.Page[T]{Items: append([]T(nil), items[start:end]...)}
	if end < len(items) {
		p.Next = strconv.Itoa(end)
	}
	return p, nil
}

// ListAccounts implements backend.Catalog.
func (s *Store) ListAccounts(ctx context.Context, typ backend.AccountType, req backend.PageRequest) (backend.Page[backend.Account], error) {
	if err := s.enter(ctx, "accounts "+string(typ)); err != nil {
		return backend.Page[backend.Account]{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var as []backend.Account
	for _, a := range s.accounts {
		if typ == "" || a.Type == typ {
			as = append(as, a)
		}
	}
	return page(as, req, s.pageSize)
}

// ListRepositories implements backend.Catalog.
func (s *Store) ListRepositories(ctx context.Context, accountID string, req backend.PageRequest) (backend.Page[backend.Repository], error) {
	if err := s.enter(ctx, "repos "+accountID); err != nil {
		return backend.Page[backend.Repository]{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return page(s.repos[accountID], req, s.pageSize)
}

// ListObjects implements backend.StorageClient.
func (s *Store) ListObjects(ctx context.Context, repo backend.RepoRef, folder string, req backend.PageRequest) (backend.Page[backend.Entry], error) {
	if err := s.enter(ctx, "list "+repo.String()+":"+folder); err != nil {
		return backend.Page[backend.Entry]{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := folderKey{repo, folder}
	if n, ok := s.synth[k]; ok {
		return s.synthPage(folder, n, req)
	}
	es, ok := s.folders[k]
	if !ok {
		return backend.Page[backend.Entry]{}, fmt.Errorf("list %s/%s: %w", repo, folder, backend.ErrNotFound)
	}
	return page(es, req, s.pageSize)
}

func (s *Store) synthPage(folder string, n int, req backend.PageRequest) (backend.Page[backend.Entry], error) {
	start, _ := strconv.Atoi(req.Cursor)
	size := s.pageSize
	if req.Limit > 0 && req.Limit < size {
		size = req.Limit
	}
	end := min(start+size, n)
	p := backend.Page[backend.Entry]{Items: make([]backend.Entry, 0, end-start)}
	prefix := ""
	if folder != "" {
		prefix = folder + "/"
	}
	for i := start; i < end; i++ {
		name := fmt.Sprintf("file-%07d.dat", i)
		p.Items = append(p.Items, backend.Entry{Name: name, Path: prefix + name, Type: backend.TypeFile, Size: int64(i)})
	}
	if end < n {
		p.Next = strconv.Itoa(end)
	}
	return p, nil
}

// ReadMetadata implements backend.MetadataClient.
func (s *Store) ReadMetadata(ctx context.Context, repo backend.RepoRef) (backend.SourceMetadata, error) {
	if err := s.enter(ctx, "meta "+repo.String()); err != nil {
		return backend.SourceMetadata{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.meta[repo]
	if !ok {
		return backend.SourceMetadata{}, fmt.Errorf("read %s: %w", repo, backend.ErrMetadataMissing)
	}
	return m.meta, m.err
}

// Location implements backend.Store.
func (s *Store) Location() string { return "memory://fake" }

// Init implements backend.Store.
func (s *Store) Init(context.Context) error { return nil }

// Close implements backend.Store.
func (s *Store) Close() error { return nil }

var errReadOnly = fmt.Errorf("fake store is read-only: %w", backend.ErrUnauthorized)

// CreateAccount implements backend.Catalog; the fake is read-only.
func (s *Store) CreateAccount(context.Context, backend.Account) error { return errReadOnly }

// GetAccount implements backend.Catalog.
func (s *Store) GetAccount(ctx context.Context, id string, typ backend.AccountType) (backend.Account, error) {
	a, err := s.FindAccount(ctx, id)
	if err == nil && a.Type != typ {
		err = backend.ErrNotFound
	}
	return a, err
}

// FindAccount implements backend.Catalog.
func (s *Store) FindAccount(_ context.Context, id string) (backend.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts {
		if a.ID == id {
			return a, nil
		}
	}
	return backend.Account{}, backend.ErrNotFound
}

// UpdateAccount implements backend.Catalog; the fake is read-only.
func (s *Store) UpdateAccount(context.Context, backend.Account) error { return errReadOnly }

// FindAccountByEmail implements backend.Catalog.
func (s *Store) FindAccountByEmail(context.Context, string) (backend.Account, error) {
	return backend.Account{}, backend.ErrNotFound
}

// CreateRepository implements backend.Catalog; the fake is read-only.
func (s *Store) CreateRepository(context.Context, backend.Repository) error { return errReadOnly }

// GetRepository implements backend.Catalog.
func (s *Store) GetRepository(_ context.Context, accountID, repositoryID string) (backend.Repository, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.repos[accountID] {
		if r.ID == repositoryID {
			return r, nil
		}
	}
	return backend.Repository{}, backend.ErrNotFound
}

// UpdateRepository implements backend.Catalog; the fake is read-only.
func (s *Store) UpdateRepository(context.Context, backend.Repository) error { return errReadOnly }

// StatObject implements backend.StorageClient.
func (s *Store) StatObject(context.Context, backend.RepoRef, string) (backend.ObjectInfo, error) {
	return backend.ObjectInfo{}, backend.ErrNotFound
}

// GetObject implements backend.StorageClient.
func (s *Store) GetObject(context.Context, backend.RepoRef, string) (io.ReadCloser, backend.ObjectInfo, error) {
	return nil, backend.ObjectInfo{}, backend.ErrNotFound
}

// PutObject implements backend.StorageClient; the fake is read-only.
func (s *Store) PutObject(context.Context, backend.RepoRef, string, io.Reader, int64) (backend.ObjectInfo, error) {
	return backend.ObjectInfo{}, errReadOnly
}

// DeleteObject implements backend.StorageClient; the fake is read-only.
func (s *Store) DeleteObject(context.Context, backend.RepoRef, string) error { return errReadOnly }

// UpdateMetadata implements backend.MetadataClient; the fake is read-only.
func (s *Store) UpdateMetadata(context.Context, backend.RepoRef, func(*backend.SourceMetadata) error) error {
	return errReadOnly
}

// UpdateObjectMetadata implements backend.MetadataClient; the fake is read-only.
func (s *Store) UpdateObjectMetadata(context.Context, backend.RepoRef, string, *backend.ObjectMeta) error {
	return errReadOnly
}

var _ backend.Store = (*Store)(nil)
