package memstore

import (
	"context"
	"io"
	"sync"

	"github.com/coopterm/coop/backend"
)

// Faults wraps a store for tests of what a caller does while the store is
// slow or failing: it counts the calls of each operation, can make an
// operation fail, and can hold its calls until the test releases them.
// Operations are named as Op names them. The optional capabilities of the
// wrapped store pass through unchanged (see Capabilities); faults apply
// to the backend.Store methods.
type Faults struct {
	base  backend.Store
	mu    sync.Mutex
	calls map[string]int
	held  map[string]int
	fail  map[string]error
	gates map[string]chan struct{}
}

// WithFaults wraps s.
func WithFaults(s backend.Store) *Faults {
	return &Faults{base: s, calls: map[string]int{}, held: map[string]int{}, fail: map[string]error{}, gates: map[string]chan struct{}{}}
}

// Op names an operation: its verb and what it acts on. The verbs:
// "accounts TYPE", "repos ACCOUNT" and "list ACCOUNT/REPO:FOLDER" for the
// three listings, "meta ACCOUNT/REPO" for the three reads of metadata
// (ReadMetadata, ReadObjectMetadata, ReadFolderMetadata), "update-meta
// ACCOUNT/REPO", "stat", "get", "put" and "delete ACCOUNT/REPO:PATH",
// "account ID", "email EMAIL" and "repo ACCOUNT/REPO" for the catalog's
// reads, "create-account ID", "update-account ID", "create-repo
// ACCOUNT/REPO" and "update-repo ACCOUNT/REPO" for its writes.
func Op(verb, what string) string { return verb + " " + what }

func objOp(verb string, ref backend.RepoRef, path string) string {
	return Op(verb, ref.String()+":"+path)
}

// Fail makes calls of op fail with err; nil clears it.
func (f *Faults) Fail(op string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.fail, op)
		return
	}
	f.fail[op] = err
}

// Hold makes calls of op wait until Release(op) or the end of their
// context.
func (f *Faults) Hold(op string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gates[op] == nil {
		f.gates[op] = make(chan struct{})
	}
}

// Release lets held calls of op, and later ones, proceed.
func (f *Faults) Release(op string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if g := f.gates[op]; g != nil {
		close(g)
		delete(f.gates, op)
	}
}

// Calls returns how many times op was called.
func (f *Faults) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// Held returns how many calls of op are waiting for Release now, so a
// test can wait until a call is under way rather than sleep.
func (f *Faults) Held(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.held[op]
}

// enter counts a call of op, holds it while op is held, and returns the
// failure set for op.
func (f *Faults) enter(ctx context.Context, op string) error {
	f.mu.Lock()
	f.calls[op]++
	g, err := f.gates[op], f.fail[op]
	if g != nil {
		f.held[op]++
	}
	f.mu.Unlock()
	if g != nil {
		defer func() {
			f.mu.Lock()
			f.held[op]--
			f.mu.Unlock()
		}()
		select {
		case <-g:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

// Capabilities implements backend.Capable: exactly those of the wrapped
// store.
func (f *Faults) Capabilities() backend.Capabilities { return backend.CapabilitiesOf(f.base) }

var (
	_ backend.Store   = (*Faults)(nil)
	_ backend.Capable = (*Faults)(nil)
)

// Init implements backend.Store.
func (f *Faults) Init(ctx context.Context) error { return f.base.Init(ctx) }

// Location implements backend.Store.
func (f *Faults) Location() string { return f.base.Location() }

// Close implements backend.Store.
func (f *Faults) Close() error { return f.base.Close() }

// CreateAccount implements backend.Catalog.
func (f *Faults) CreateAccount(ctx context.Context, a backend.Account) error {
	if err := f.enter(ctx, Op("create-account", a.ID)); err != nil {
		return err
	}
	return f.base.CreateAccount(ctx, a)
}

// GetAccount implements backend.Catalog.
func (f *Faults) GetAccount(ctx context.Context, id string, typ backend.AccountType) (backend.Account, error) {
	if err := f.enter(ctx, Op("account", id)); err != nil {
		return backend.Account{}, err
	}
	return f.base.GetAccount(ctx, id, typ)
}

// FindAccount implements backend.Catalog.
func (f *Faults) FindAccount(ctx context.Context, id string) (backend.Account, error) {
	if err := f.enter(ctx, Op("account", id)); err != nil {
		return backend.Account{}, err
	}
	return f.base.FindAccount(ctx, id)
}

// UpdateAccount implements backend.Catalog.
func (f *Faults) UpdateAccount(ctx context.Context, a backend.Account) error {
	if err := f.enter(ctx, Op("update-account", a.ID)); err != nil {
		return err
	}
	return f.base.UpdateAccount(ctx, a)
}

// ListAccounts implements backend.Catalog.
func (f *Faults) ListAccounts(ctx context.Context, typ backend.AccountType, req backend.PageRequest) (backend.Page[backend.Account], error) {
	if err := f.enter(ctx, Op("accounts", string(typ))); err != nil {
		return backend.Page[backend.Account]{}, err
	}
	return f.base.ListAccounts(ctx, typ, req)
}

// FindAccountByEmail implements backend.Catalog.
func (f *Faults) FindAccountByEmail(ctx context.Context, email string) (backend.Account, error) {
	if err := f.enter(ctx, Op("email", email)); err != nil {
		return backend.Account{}, err
	}
	return f.base.FindAccountByEmail(ctx, email)
}

// CreateRepository implements backend.Catalog.
func (f *Faults) CreateRepository(ctx context.Context, r backend.Repository) error {
	if err := f.enter(ctx, Op("create-repo", r.Ref().String())); err != nil {
		return err
	}
	return f.base.CreateRepository(ctx, r)
}

// GetRepository implements backend.Catalog.
func (f *Faults) GetRepository(ctx context.Context, accountID, repositoryID string) (backend.Repository, error) {
	if err := f.enter(ctx, Op("repo", accountID+"/"+repositoryID)); err != nil {
		return backend.Repository{}, err
	}
	return f.base.GetRepository(ctx, accountID, repositoryID)
}

// UpdateRepository implements backend.Catalog.
func (f *Faults) UpdateRepository(ctx context.Context, r backend.Repository) error {
	if err := f.enter(ctx, Op("update-repo", r.Ref().String())); err != nil {
		return err
	}
	return f.base.UpdateRepository(ctx, r)
}

// ListRepositories implements backend.Catalog.
func (f *Faults) ListRepositories(ctx context.Context, accountID string, req backend.PageRequest) (backend.Page[backend.Repository], error) {
	if err := f.enter(ctx, Op("repos", accountID)); err != nil {
		return backend.Page[backend.Repository]{}, err
	}
	return f.base.ListRepositories(ctx, accountID, req)
}

// ListObjects implements backend.StorageClient.
func (f *Faults) ListObjects(ctx context.Context, repo backend.RepoRef, folder string, req backend.PageRequest) (backend.Page[backend.Entry], error) {
	if err := f.enter(ctx, objOp("list", repo, folder)); err != nil {
		return backend.Page[backend.Entry]{}, err
	}
	return f.base.ListObjects(ctx, repo, folder, req)
}

// StatObject implements backend.StorageClient.
func (f *Faults) StatObject(ctx context.Context, repo backend.RepoRef, path string) (backend.ObjectInfo, error) {
	if err := f.enter(ctx, objOp("stat", repo, path)); err != nil {
		return backend.ObjectInfo{}, err
	}
	return f.base.StatObject(ctx, repo, path)
}

// GetObject implements backend.StorageClient.
func (f *Faults) GetObject(ctx context.Context, repo backend.RepoRef, path string) (io.ReadCloser, backend.ObjectInfo, error) {
	if err := f.enter(ctx, objOp("get", repo, path)); err != nil {
		return nil, backend.ObjectInfo{}, err
	}
	return f.base.GetObject(ctx, repo, path)
}

// PutObject implements backend.StorageClient.
func (f *Faults) PutObject(ctx context.Context, repo backend.RepoRef, path string, r io.Reader, size int64) (backend.ObjectInfo, error) {
	if err := f.enter(ctx, objOp("put", repo, path)); err != nil {
		return backend.ObjectInfo{}, err
	}
	return f.base.PutObject(ctx, repo, path, r, size)
}

// DeleteObject implements backend.StorageClient.
func (f *Faults) DeleteObject(ctx context.Context, repo backend.RepoRef, path string) error {
	if err := f.enter(ctx, objOp("delete", repo, path)); err != nil {
		return err
	}
	return f.base.DeleteObject(ctx, repo, path)
}

// ReadMetadata implements backend.MetadataClient.
func (f *Faults) ReadMetadata(ctx context.Context, repo backend.RepoRef, folder string, fn func([]backend.MetadataEntry) error) (backend.MetadataHead, error) {
	if err := f.enter(ctx, Op("meta", repo.String())); err != nil {
		return backend.MetadataHead{}, err
	}
	return f.base.ReadMetadata(ctx, repo, folder, fn)
}

// ReadObjectMetadata implements backend.MetadataClient.
func (f *Faults) ReadObjectMetadata(ctx context.Context, repo backend.RepoRef, path string) (backend.ObjectMeta, error) {
	if err := f.enter(ctx, Op("meta", repo.String())); err != nil {
		return backend.ObjectMeta{}, err
	}
	return f.base.ReadObjectMetadata(ctx, repo, path)
}

// ReadFolderMetadata implements backend.MetadataClient.
func (f *Faults) ReadFolderMetadata(ctx context.Context, repo backend.RepoRef, folder string, req backend.PageRequest) (backend.Page[backend.MetadataEntry], error) {
	if err := f.enter(ctx, Op("meta", repo.String())); err != nil {
		return backend.Page[backend.MetadataEntry]{}, err
	}
	return f.base.ReadFolderMetadata(ctx, repo, folder, req)
}

// UpdateMetadata implements backend.MetadataClient.
func (f *Faults) UpdateMetadata(ctx context.Context, repo backend.RepoRef, b *backend.MetadataBatch) (backend.MetadataResult, error) {
	if err := f.enter(ctx, Op("update-meta", repo.String())); err != nil {
		return backend.MetadataResult{}, err
	}
	return f.base.UpdateMetadata(ctx, repo, b)
}

// UpdateObjectMetadata implements backend.MetadataClient.
func (f *Faults) UpdateObjectMetadata(ctx context.Context, repo backend.RepoRef, path string, meta *backend.ObjectMeta) error {
	if err := f.enter(ctx, Op("update-meta", repo.String())); err != nil {
		return err
	}
	return f.base.UpdateObjectMetadata(ctx, repo, path, meta)
}
