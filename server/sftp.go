package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"charm.land/ssh"
	"github.com/pkg/sftp"

	"github.com/coopterm/coop/audit"
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
	w := newWriter(se.store, s.cfg.SpoolDir, se.spool)
	defer func() { _ = w.Close() }() // after finish: writes the metadata of what was done
	h := &sftpHandler{s: s, se: se, fs: newVFS(se.store, w), writing: map[vpath]*spool{}}
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
	s.logSessionEnd(se)
	se.finish(0)
}

// sftpHandler implements the pkg/sftp request handlers over a session's vfs.
type sftpHandler struct {
	s  *Server
	se *session
	fs *vfs

	mu sync.Mutex
	// writing is the upload open at each path, for FSETSTAT (which
	// pkg/sftp hands over by path, not by handle).
	writing map[vpath]*spool
}

// ctx bounds every store call of an SFTP request: the session's context.
func (h *sftpHandler) ctx() context.Context { return h.se.ctx }

// fail turns err into the SFTP status the client gets. Errors whose
// status says little ("Failure": OpenSSH's sftp prints only the status of
// a failed open or close) are also written, one line, to the session's
// stderr, which the client shows.
func (h *sftpHandler) fail(err error) error {
	err = sftpErr(err)
	var e sftpError
	if errors.As(err, &e) && (errors.Is(e.code, sftp.ErrSSHFxFailure) || errors.Is(e.code, sftp.ErrSSHFxOpUnsupported)) {
		fmt.Fprintf(h.se.sess.Stderr(), "coop: %s\n", e.Error())
	}
	return err
}

// openHandle takes one of the session's and one of the server's handle
// slots; release gives them back (once).
func (h *sftpHandler) openHandle() (release func(), err error) {
	if !h.se.handles.take(1) {
		h.s.logRefused("handle", h.se.conn.remote, "session handle limit", "account", h.se.who.Actor())
		return nil, fmt.Errorf("%w: this session has %d files and folders open, the most it may (--max-handles); close some",
			errLimit, h.se.handles.limit)
	}
	if !h.s.files.take(1) {
		h.se.handles.give(1)
		h.s.logRefused("handle", h.se.conn.remote, "server handle limit", "account", h.se.who.Actor())
		return nil, fmt.Errorf("%w: the server has %d files open, the most it allows (--max-open-files); try again shortly",
			errLimit, h.s.files.limit)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			h.se.handles.give(1)
			h.s.files.give(1)
		})
	}, nil
}

// Fileread opens an object for reading.
func (h *sftpHandler) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	v, err := parseVPath(r.Filepath)
	if err != nil {
		return nil, h.fail(err)
	}
	if v.depth < 3 {
		return nil, h.fail(fmt.Errorf("%s is a folder: %w", v, errIsDir))
	}
	release, err := h.openHandle()
	if err != nil {
		return nil, h.fail(err)
	}
	ctx := h.ctx()
	rc, info, err := h.fs.store.GetObject(ctx, v.ref(), v.path)
	if err != nil {
		release()
		return nil, h.fail(err)
	}
	if ra, ok := rc.(readerAtCloser); ok {
		return &handle{ReaderAt: ra, close: ra.Close, release: release}, nil
	}
	stream := &streamReaderAt{rc: rc, size: info.Size, budget: h.s.readBuffers, open: func(off, n int64) (io.ReadCloser, error) {
		// The same version of the object, or ErrObjectChanged.
		return backend.GetObjectRange(ctx, h.fs.store, v.ref(), v.path, off, n, info.ETag)
	}}
	return &handle{ReaderAt: stream, close: stream.Close, release: release}, nil
}

// handle is an open file that gives its handle slot back when closed.
type handle struct {
	io.ReaderAt
	close   func() error
	release func()
}

func (f *handle) Close() error {
	defer f.release()
	return f.close()
}

// errIsDir is reading a folder as a file.
var errIsDir = errors.New("is a folder")

// Filewrite opens an upload: it is spooled, and stored when the client
// closes the file. What happens to an object already at the path depends
// on how the client opened it (see README, "Serving over SSH"):
//   - with truncation (a plain put): the open is refused, since OpenSSH
//     closes an upload cut short by Ctrl-C as if it were finished, and
//     the object would be replaced by a part of the new one; a client
//     replaces a file by renaming a finished upload over it (or the
//     server runs with --sftp-replace on-close, as sshd behaves);
//   - without (reput, put -a, an edit in place): the upload starts from
//     its content; an append may only write after it.
//
// A new path is stored with what arrived, unless another upload stored
// something there meanwhile.
func (h *sftpHandler) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	v, err := parseVPath(r.Filepath)
	if err != nil {
		return nil, h.fail(err)
	}
	if v.depth < 3 {
		return nil, h.fail(errOutsideRepo)
	}
	ctx := h.ctx()
	// Refuse before the client sends anything.
	if err := h.fs.store.CheckUpload(ctx, v.ref(), v.path); err != nil {
		return nil, h.fail(err)
	}
	existing, err := h.fs.stat(ctx, v)
	exists := err == nil
	switch {
	case exists && existing.IsDir():
		return nil, h.fail(fmt.Errorf("%w: %s is a folder", backend.ErrInvalid, v))
	case err != nil && !errors.Is(err, backend.ErrNotFound):
		return nil, h.fail(err)
	}
	flags := r.Pflags()
	if exists && flags.Trunc && h.s.cfg.Replace != ReplaceOnClose {
		err := fmt.Errorf("%w: %s exists, and an SFTP put cannot be told from one cut short by Ctrl-C, so it does not replace files here: "+
			"remove it first (rm), upload to a new name and rename it over, or finish an interrupted upload with reput", backend.ErrExists, v)
		h.s.auditRefusal(h.se, audit.ActionUpload, v.String(), err)
		return nil, h.fail(err)
	}
	release, err := h.openHandle()
	if err != nil {
		h.s.auditRefusal(h.se, audit.ActionUpload, v.String(), err)
		return nil, h.fail(err)
	}
	sp, err := newSpool(h.s.cfg.SpoolDir, h.se.spool, release)
	if err != nil {
		release()
		return nil, h.fail(err)
	}
	sp.refused = func(err error) { h.s.auditRefusal(h.se, audit.ActionUpload, v.String(), err) }
	if exists && !flags.Trunc {
		if err := h.continueFrom(sp, v, flags.Append); err != nil {
			_ = sp.Close()
			return nil, h.fail(err)
		}
	}
	sp.commit = func(local string, _ int64) error {
		h.mu.Lock()
		if h.writing[v] == sp {
			delete(h.writing, v)
		}
		h.mu.Unlock()
		err := h.fs.writer.putFile(ctx, v.ref(), v.path, local, exists)
		if err == nil {
			h.fs.forgetDirsAbove(v)
		}
		return h.fail(err)
	}
	h.mu.Lock()
	h.writing[v] = sp
	h.mu.Unlock()
	return sp, nil
}

// continueFrom copies the object at v into sp, for an upload that
// continues or edits it.
func (h *sftpHandler) continueFrom(sp *spool, v vpath, appending bool) error {
	rc, info, err := h.fs.store.GetObject(h.ctx(), v.ref(), v.path)
	if err != nil {
		return err
	}
	defer rc.Close()
	return sp.startFrom(rc, info.Size, appending)
}

// Filecmd runs the commands that change the tree. Refusals of those the
// access layer does not see are audited here.
func (h *sftpHandler) Filecmd(r *sftp.Request) error {
	v, err := parseVPath(r.Filepath)
	if err != nil {
		return h.fail(err)
	}
	ctx := h.ctx()
	switch r.Method {
	case "Setstat":
		err := h.setstat(ctx, v, r)
		h.s.auditRefusal(h.se, audit.ActionSetstat, v.String(), err)
		return h.fail(err)
	case "Mkdir":
		err := h.fs.mkdir(ctx, v)
		if v.depth >= 3 { // a repository (depth 2) is audited by the access layer
			h.s.auditRefusal(h.se, audit.ActionMkdir, v.String(), err)
		}
		return h.fail(err)
	case "Rmdir":
		err := h.fs.rmdir(ctx, v)
		h.s.auditRefusal(h.se, audit.ActionDelete, v.String(), err)
		return h.fail(err)
	case "Remove":
		return h.fail(h.fs.remove(ctx, v))
	case "Rename", "PosixRename":
		to, err := parseVPath(r.Target)
		if err == nil {
			err = h.fs.rename(ctx, v, to, r.Method == "PosixRename")
		}
		h.s.auditRefusal(h.se, audit.ActionRename, v.String()+" -> "+to.String(), err)
		return h.fail(err)
	}
	return sftp.ErrSSHFxOpUnsupported
}

// setstat applies SETSTAT and FSETSTAT: only writers may, times and modes
// are accepted and not kept (so `put -p` works), and a size applies to an
// upload this session has open at the path (OpenSSH truncates an
// interrupted reput this way). Stored objects are not truncated.
func (h *sftpHandler) setstat(ctx context.Context, v vpath, r *sftp.Request) error {
	if v.depth < 3 {
		return fmt.Errorf("%w: accounts and repositories have no attributes to set", backend.ErrUnauthorized)
	}
	if err := h.fs.mayWrite(ctx, "setstat", v); err != nil {
		return err
	}
	if !r.AttrFlags().Size {
		return nil
	}
	h.mu.Lock()
	sp := h.writing[v]
	h.mu.Unlock()
	if sp == nil {
		return fmt.Errorf("%w: %s: stored files cannot be truncated; upload it again instead", errUnsupported, v)
	}
	return sp.Truncate(int64(r.Attributes().Size)) //nolint:gosec // Truncate checks the size
}

// errUnsupported is a request coop does not carry out.
var errUnsupported = errors.New("not supported")

// PosixRename is rename that replaces an existing target.
func (h *sftpHandler) PosixRename(r *sftp.Request) error { return h.Filecmd(r) }

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
	case errors.Is(err, errUnsupported):
		return sftpError{err, sftp.ErrSSHFxOpUnsupported}
	}
	return sftpError{err, sftp.ErrSSHFxFailure}
}
