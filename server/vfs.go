package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
)

// vpath is a path of the file tree SFTP and scp show:
// /ACCOUNT/REPOSITORY/PATH. depth is 0 for the root, 1 for an account, 2
// for a repository and 3 for anything inside one.
type vpath struct {
	account, repo, path string
	depth               int
}

func (v vpath) ref() backend.RepoRef {
	return backend.RepoRef{AccountID: v.account, RepositoryID: v.repo}
}

func (v vpath) String() string {
	return "/" + strings.TrimSuffix(strings.Join([]string{v.account, v.repo, v.path}, "/"), "/")
}

// errOutsideRepo is a file operation above the repositories.
var errOutsideRepo = fmt.Errorf("%w: files live inside a repository: /ACCOUNT/REPOSITORY/…", backend.ErrInvalid)

// parseVPath resolves p against the root: ".." can never leave it, and
// every part must be a valid id or repository path.
func parseVPath(p string) (vpath, error) {
	p = strings.Trim(path.Clean("/"+p), "/")
	if p == "" {
		return vpath{}, nil
	}
	parts := strings.SplitN(p, "/", 3)
	v := vpath{account: parts[0], depth: 1}
	if err := backend.ValidateID("account", v.account); err != nil {
		return v, fmt.Errorf("%s: %w", p, backend.ErrNotFound)
	}
	if len(parts) > 1 {
		v.repo, v.depth = parts[1], 2
		if err := backend.ValidateID("repository", v.repo); err != nil {
			return v, fmt.Errorf("%s: %w", p, backend.ErrNotFound)
		}
	}
	if len(parts) > 2 {
		v.path, v.depth = parts[2], 3
		if err := backend.ValidateReadPath(v.path, false); err != nil {
			return v, err
		}
	}
	return v, nil
}

// fileInfo is an fs.FileInfo for SFTP and scp listings.
type fileInfo struct {
	name string
	size int64
	mode fs.FileMode
	mod  time.Time
}

func (f fileInfo) Name() string       { return f.name }
func (f fileInfo) Size() int64        { return f.size }
func (f fileInfo) Mode() fs.FileMode  { return f.mode }
func (f fileInfo) ModTime() time.Time { return f.mod }
func (f fileInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fileInfo) Sys() any           { return nil }

// Modes shown to clients: what the caller may do, not how it is stored.
func dirMode(writable bool) fs.FileMode {
	if writable {
		return fs.ModeDir | 0o755
	}
	return fs.ModeDir | 0o555
}

func fileMode(writable bool) fs.FileMode {
	if writable {
		return 0o644
	}
	return 0o444
}

// vfs is one session's view of the store as a file tree, with the
// folders made by mkdir in this session (object stores have no empty
// folders: they exist once a file is put in them).
type vfs struct {
	store  *access.Store
	writer *writer

	mu   sync.Mutex
	dirs map[vpath]bool
}

func newVFS(store *access.Store, w *writer) *vfs {
	return &vfs{store: store, writer: w, dirs: map[vpath]bool{}}
}

// writable reports whether the caller may write to v's repository.
func (f *vfs) writable(ctx context.Context, v vpath) bool {
	lvl, err := f.store.Level(ctx, v.ref())
	return err == nil && lvl >= access.ReadWrite
}

// mayWrite refuses op on v, with the store's error or ErrUnauthorized,
// unless the caller may write to v's repository.
func (f *vfs) mayWrite(ctx context.Context, op string, v vpath) error {
	lvl, err := f.store.Level(ctx, v.ref())
	if err != nil {
		return err
	}
	if lvl < access.ReadWrite {
		return fmt.Errorf("%s %s: %w", op, v, backend.ErrUnauthorized)
	}
	return nil
}

// stat describes v.
func (f *vfs) stat(ctx context.Context, v vpath) (fileInfo, error) {
	switch v.depth {
	case 0:
		return fileInfo{name: "/", mode: dirMode(false)}, nil
	case 1:
		a, err := f.store.FindAccount(ctx, v.account)
		if err != nil {
			return fileInfo{}, err
		}
		return fileInfo{name: a.ID, mode: dirMode(false), mod: a.UpdatedAt}, nil
	case 2:
		r, err := f.store.GetRepository(ctx, v.account, v.repo)
		if err != nil {
			return fileInfo{}, err
		}
		return fileInfo{name: r.ID, mode: dirMode(f.writable(ctx, v)), mod: r.UpdatedAt}, nil
	}
	name := path.Base(v.path)
	info, err := f.store.StatObject(ctx, v.ref(), v.path)
	if errors.Is(err, backend.ErrNotFound) && f.isVirtualDir(v) {
		return fileInfo{name: name, mode: dirMode(true)}, nil
	}
	if err != nil {
		return fileInfo{}, err
	}
	if info.ContentType == backend.DirectoryContentType || (info.ModTime.IsZero() && info.ETag == "" && info.Size == 0) {
		return fileInfo{name: name, mode: dirMode(f.writable(ctx, v)), mod: info.ModTime}, nil
	}
	return fileInfo{name: name, size: info.Size, mode: fileMode(f.writable(ctx, v)), mod: info.ModTime}, nil
}

// forgetDirsAbove drops the session's made-up folders that now hold a file.
func (f *vfs) forgetDirsAbove(v vpath) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for d := v; d.path != "." && d.path != ""; d.path = path.Dir(d.path) {
		delete(f.dirs, d)
	}
}

func (f *vfs) isVirtualDir(v vpath) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dirs[v]
}

// virtualChildren are the folders made in this session directly under v.
func (f *vfs) virtualChildren(v vpath) []fileInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fileInfo
	for d := range f.dirs {
		if d.account == v.account && d.repo == v.repo && path.Dir("/"+d.path) == "/"+v.path {
			out = append(out, fileInfo{name: path.Base(d.path), mode: dirMode(true)})
		}
	}
	return out
}

// mkdir makes a repository (private; under /ACCOUNT, where the caller
// may) or a folder inside one (kept for this session until a file is put
// in it).
func (f *vfs) mkdir(ctx context.Context, v vpath) error {
	switch v.depth {
	case 0, 1:
		return fmt.Errorf("%w: accounts are made with `coop account create` on the server", backend.ErrUnauthorized)
	case 2:
		now := time.Now().UTC()
		return f.store.CreateRepository(ctx, backend.Repository{ID: v.repo, AccountID: v.account, Title: v.repo,
			Visibility: backend.VisibilityPrivate, CreatedAt: now, UpdatedAt: now})
	}
	if err := backend.ValidatePath(v.path, false); err != nil {
		return err
	}
	if err := f.mayWrite(ctx, "mkdir", v); err != nil {
		return err
	}
	if _, err := f.stat(ctx, v); err == nil {
		return fmt.Errorf("%s: %w", v, backend.ErrExists)
	}
	f.mu.Lock()
	for d := v; d.path != "." && d.path != ""; d.path = path.Dir(d.path) {
		f.dirs[d] = true
	}
	f.mu.Unlock()
	return nil
}

// rmdir removes a folder made in this session, or accepts the removal of
// an empty one. Repositories are not removed this way.
func (f *vfs) rmdir(ctx context.Context, v vpath) error {
	if v.depth < 3 {
		return fmt.Errorf("%w: repositories and accounts are not removed over SFTP", backend.ErrUnauthorized)
	}
	if err := f.mayWrite(ctx, "rmdir", v); err != nil {
		return err
	}
	p, err := f.store.ListObjects(ctx, v.ref(), v.path, backend.PageRequest{Limit: 1})
	switch {
	case errors.Is(err, backend.ErrNotFound):
		if !f.isVirtualDir(v) {
			return err
		}
	case err != nil:
		return err
	case len(p.Items) > 0:
		return fmt.Errorf("%w: folder %s is not empty", backend.ErrInvalid, v)
	}
	f.mu.Lock()
	delete(f.dirs, v)
	f.mu.Unlock()
	return nil
}

// remove deletes the file v.
func (f *vfs) remove(ctx context.Context, v vpath) error {
	if v.depth < 3 {
		return errOutsideRepo
	}
	fi, err := f.stat(ctx, v)
	switch {
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("%w: %s is a folder (use rmdir)", backend.ErrInvalid, v)
	}
	return f.writer.remove(ctx, v.ref(), v.path)
}

// rename moves the file from to to (a copy, then a delete: object stores
// cannot rename). With replace false an existing target is an error.
func (f *vfs) rename(ctx context.Context, from, to vpath, replace bool) error {
	if from.depth < 3 || to.depth < 3 {
		return fmt.Errorf("%w: only files inside repositories can be renamed", backend.ErrUnauthorized)
	}
	if err := backend.ValidatePath(to.path, false); err != nil {
		return err
	}
	src, err := f.stat(ctx, from)
	if err != nil {
		return err
	}
	if src.IsDir() {
		return fmt.Errorf("%w: folders cannot be renamed (object stores have none); move their files", backend.ErrInvalid)
	}
	if !replace {
		if _, err := f.stat(ctx, to); err == nil {
			return fmt.Errorf("%s: %w", to, backend.ErrExists)
		}
	}
	if !f.writable(ctx, from) {
		return fmt.Errorf("rename %s: %w", from, backend.ErrUnauthorized)
	}
	rc, info, err := f.store.GetObject(ctx, from.ref(), from.path)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := f.writer.put(ctx, to.ref(), to.path, rc, info.Size); err != nil {
		return err
	}
	return f.writer.remove(ctx, from.ref(), from.path)
}
