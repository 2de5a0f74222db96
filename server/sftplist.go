package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"

	"github.com/pkg/sftp"

	"github.com/coopterm/coop/backend"
)

// Filelist lists a folder or describes one path.
func (h *sftpHandler) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	v, err := parseVPath(r.Filepath)
	if err != nil {
		return nil, h.fail(err)
	}
	ctx := h.ctx()
	switch r.Method {
	case "Stat":
		fi, err := h.fs.stat(ctx, v)
		if err != nil {
			return nil, h.fail(err)
		}
		return single{fi}, nil
	case "List":
		if _, err := h.fs.stat(ctx, v); err != nil {
			return nil, h.fail(err)
		}
		release, err := h.openHandle()
		if err != nil {
			return nil, h.fail(err)
		}
		l := h.list(ctx, v)
		l.release = release
		return l, nil
	}
	return nil, sftp.ErrSSHFxOpUnsupported
}

// list pages through the accounts, an account's repositories, or a folder.
func (h *sftpHandler) list(ctx context.Context, v vpath) *lister {
	store := h.fs.store
	req := func(cursor string) backend.PageRequest {
		return backend.PageRequest{Limit: sftpPageSize, Cursor: cursor}
	}
	l := &lister{ctx: ctx}
	switch v.depth {
	case 0:
		l.next = func(ctx context.Context, cursor string) ([]os.FileInfo, string, error) {
			p, err := store.ListAccounts(ctx, "", req(cursor))
			out := make([]os.FileInfo, len(p.Items))
			for i, a := range p.Items {
				out[i] = fileInfo{name: a.ID, mode: dirMode(false), mod: a.UpdatedAt}
			}
			return out, p.Next, sftpErr(err)
		}
	case 1:
		l.next = func(ctx context.Context, cursor string) ([]os.FileInfo, string, error) {
			p, err := store.ListRepositories(ctx, v.account, req(cursor))
			out := make([]os.FileInfo, len(p.Items))
			for i, r := range p.Items {
				w := h.fs.writable(ctx, vpath{account: r.AccountID, repo: r.ID, depth: 2})
				out[i] = fileInfo{name: r.ID, mode: dirMode(w), mod: r.UpdatedAt}
			}
			return out, p.Next, sftpErr(err)
		}
	default:
		w := h.fs.writable(ctx, v)
		l.next = func(ctx context.Context, cursor string) ([]os.FileInfo, string, error) {
			p, err := store.ListObjects(ctx, v.ref(), v.path, req(cursor))
			if errors.Is(err, backend.ErrNotFound) && h.fs.isVirtualDir(v) {
				return nil, "", nil
			}
			out := make([]os.FileInfo, 0, len(p.Items))
			for _, e := range p.Items {
				if !e.Addressable() {
					continue // "" or "." in an S3 key: no SFTP name can carry it
				}
				out = append(out, nil)
				i := len(out) - 1
				switch {
				case e.Link:
					// As a server lists a link: the client's stat follows
					// it (when the store does), its recursive get does not.
					out[i] = fileInfo{name: e.Name, mode: fs.ModeSymlink | 0o777, mod: e.ModTime}
				case e.IsDir():
					out[i] = fileInfo{name: e.Name, mode: dirMode(w), mod: e.ModTime}
				default:
					out[i] = fileInfo{name: e.Name, size: e.Size, mode: fileMode(w), mod: e.ModTime}
				}
			}
			return out, p.Next, sftpErr(err)
		}
		l.extra = func(seen map[string]bool) []os.FileInfo {
			var out []os.FileInfo
			for _, d := range h.fs.virtualChildren(v) {
				if !seen[d.name] {
					out = append(out, d)
				}
			}
			return out
		}
	}
	return l
}

// lister pages through a listing for an SFTP directory handle. Clients
// read it sequentially; only the current page is kept in memory.
type lister struct {
	ctx   context.Context
	next  func(ctx context.Context, cursor string) ([]os.FileInfo, string, error)
	extra func(seen map[string]bool) []os.FileInfo // appended at the end

	// release gives the folder handle's slot back.
	release func()

	mu     sync.Mutex
	items  []os.FileInfo
	start  int64 // offset of items[0]
	cursor string
	done   bool
	seen   map[string]bool
}

func (l *lister) ListAt(out []os.FileInfo, off int64) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for off >= l.start+int64(len(l.items)) && !l.done {
		l.start += int64(len(l.items))
		page, next, err := l.next(l.ctx, l.cursor)
		if err != nil {
			return 0, err
		}
		for _, fi := range page {
			if fi.IsDir() {
				if l.seen == nil {
					l.seen = map[string]bool{}
				}
				l.seen[fi.Name()] = true
			}
		}
		l.items, l.cursor = page, next
		if next == "" {
			l.done = true
			if l.extra != nil {
				l.items = append(l.items, l.extra(l.seen)...)
			}
		}
	}
	if off < l.start {
		return 0, fmt.Errorf("%w: directory read out of order", backend.ErrInvalid)
	}
	n := copy(out, l.items[off-l.start:])
	if l.done && off+int64(n) >= l.start+int64(len(l.items)) {
		return n, io.EOF
	}
	return n, nil
}

// Close ends the listing (pkg/sftp closes a folder handle this way).
func (l *lister) Close() error {
	if l.release != nil {
		l.release()
	}
	return nil
}

// single is a listing of one entry (what Stat returns).
type single []os.FileInfo

func (s single) ListAt(out []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(s)) {
		return 0, io.EOF
	}
	n := copy(out, s[off:])
	if off+int64(n) >= int64(len(s)) {
		return n, io.EOF
	}
	return n, nil
}
