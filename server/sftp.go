package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"

	"charm.land/ssh"
	"github.com/pkg/sftp"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/safe"
)

// sftpPageSize is how many entries one listing request to the store asks for.
const sftpPageSize = 1000

// handleSFTP serves the SFTP subsystem of a session, rooted at
// /ACCOUNT/REPOSITORY/….
func (s *Server) handleSFTP(sess ssh.Session) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic in an sftp session", "panic", fmt.Sprint(r))
		}
	}()
	se := s.begin(sess, "sftp")
	if se == nil {
		return
	}
	defer s.logSessionEnd(se)
	w := newWriter(se.store, s.cfg.SpoolDir)
	defer func() { _ = w.Close() }() // after finish: writes the metadata of what was done
	h := &sftpHandler{s: s, se: se, fs: newVFS(se.store, w)}
	rs := sftp.NewRequestServer(struct {
		io.Reader
		io.WriteCloser
	}{activity{r: sess, conn: se.conn}, sess}, sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h})
	go func() {
		<-se.ctx.Done() // the server ended the session, or it closed
		_ = rs.Close()
	}()
	err := rs.Serve()
	if err != nil && !errors.Is(err, io.EOF) && se.ended() == "" {
		s.log.Warn("sftp session", "account", se.who.Actor(), "remote", se.conn.remote, "err", err)
	}
	se.finish(0)
}

// sftpHandler implements the pkg/sftp request handlers over a session's vfs.
type sftpHandler struct {
	s  *Server
	se *session
	fs *vfs
}

// ctx bounds every store call of an SFTP request: the session's context.
func (h *sftpHandler) ctx() context.Context { return h.se.ctx }

// Fileread opens an object for reading.
func (h *sftpHandler) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	v, err := parseVPath(r.Filepath)
	if err != nil {
		return nil, sftpErr(err)
	}
	if v.depth < 3 {
		return nil, sftpErr(fmt.Errorf("%s is a folder: %w", v, errIsDir))
	}
	ctx := h.ctx()
	rc, info, err := h.fs.store.GetObject(ctx, v.ref(), v.path)
	if err != nil {
		return nil, sftpErr(err)
	}
	if ra, ok := rc.(readerAtCloser); ok {
		return ra, nil
	}
	return &streamReaderAt{rc: rc, open: func(off int64) (io.ReadCloser, error) {
		// The same version of the object, or ErrObjectChanged.
		return backend.GetObjectRange(ctx, h.fs.store, v.ref(), v.path, off, max(info.Size-off, 0), info.ETag)
	}}, nil
}

// errIsDir is reading a folder as a file.
var errIsDir = errors.New("is a folder")

// Filewrite opens an upload: it is spooled and stored whole when the
// client closes the file.
func (h *sftpHandler) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	v, err := parseVPath(r.Filepath)
	if err != nil {
		return nil, sftpErr(err)
	}
	if v.depth < 3 {
		return nil, sftpErr(errOutsideRepo)
	}
	// Refuse before the client sends anything.
	if err := h.fs.store.CheckUpload(h.ctx(), v.ref(), v.path); err != nil {
		return nil, sftpErr(err)
	}
	return newSpool(h.s.cfg.SpoolDir, func(local string) error {
		err := h.fs.writer.putFile(h.ctx(), v.ref(), v.path, local)
		if err == nil {
			h.fs.forgetDirsAbove(v)
		}
		return sftpErr(err)
	})
}

// Filecmd runs the commands that change the tree.
func (h *sftpHandler) Filecmd(r *sftp.Request) error {
	v, err := parseVPath(r.Filepath)
	if err != nil {
		return sftpErr(err)
	}
	ctx := h.ctx()
	switch r.Method {
	case "Setstat":
		return nil // times and modes are not kept; accepting keeps `put -p` working
	case "Mkdir":
		return sftpErr(h.fs.mkdir(ctx, v))
	case "Rmdir":
		return sftpErr(h.fs.rmdir(ctx, v))
	case "Remove":
		return sftpErr(h.fs.remove(ctx, v))
	case "Rename", "PosixRename":
		to, err := parseVPath(r.Target)
		if err != nil {
			return sftpErr(err)
		}
		return sftpErr(h.fs.rename(ctx, v, to, r.Method == "PosixRename"))
	}
	return sftp.ErrSSHFxOpUnsupported
}

// PosixRename is rename that replaces an existing target.
func (h *sftpHandler) PosixRename(r *sftp.Request) error { return h.Filecmd(r) }

// Filelist lists a folder or describes one path.
func (h *sftpHandler) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	v, err := parseVPath(r.Filepath)
	if err != nil {
		return nil, sftpErr(err)
	}
	ctx := h.ctx()
	switch r.Method {
	case "Stat":
		fi, err := h.fs.stat(ctx, v)
		if err != nil {
			return nil, sftpErr(err)
		}
		return single{fi}, nil
	case "List":
		if _, err := h.fs.stat(ctx, v); err != nil {
			return nil, sftpErr(err)
		}
		return h.list(ctx, v), nil
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
			out := make([]os.FileInfo, len(p.Items))
			for i, e := range p.Items {
				if e.IsDir() {
					out[i] = fileInfo{name: e.Name, mode: dirMode(w), mod: e.ModTime}
				} else {
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

// forgetDirsAbove drops the session's made-up folders that now hold a file.
func (f *vfs) forgetDirsAbove(v vpath) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for d := v; d.path != "." && d.path != ""; d.path = path.Dir(d.path) {
		delete(f.dirs, d)
	}
}

// sftpError carries a store error to the client with the matching SFTP
// status code and a message safe to print on a terminal.
type sftpError struct {
	err  error
	code error
}

func (e sftpError) Error() string   { return safe.Text(e.err.Error()) }
func (e sftpError) Unwrap() []error { return []error{e.err, e.code} }

// sftpErr maps the store's sentinel errors to SFTP status codes.
func sftpErr(err error) error {
	var already sftpError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &already):
		return err
	case errors.Is(err, backend.ErrNotFound):
		return sftpError{err, sftp.ErrSSHFxNoSuchFile}
	case errors.Is(err, backend.ErrUnauthorized):
		return sftpError{err, sftp.ErrSSHFxPermissionDenied}
	}
	return sftpError{err, sftp.ErrSSHFxFailure}
}
