package server

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/scp"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/safe"
)

// scpHandler serves scp's original protocol (scp -O; newer scp uses SFTP)
// over the same file tree and rules as SFTP.
type scpHandler struct{ s *Server }

// scpMiddleware runs wish's scp over scpHandler. wish writes a failed
// copy's error to stderr without a line end; scpSession adds it.
func (s *Server) scpMiddleware() wish.Middleware {
	inner := scp.Middleware(scpHandler{s}, scpHandler{s})
	return func(next ssh.Handler) ssh.Handler {
		h := inner(next)
		return func(sess ssh.Session) {
			if !scp.GetInfo(sess.Command()).Ok {
				next(sess)
				return
			}
			h(scpSession{sess})
		}
	}
}

// scpSession is a session whose stderr ends every write with a line end.
type scpSession struct{ ssh.Session }

func (s scpSession) Stderr() io.ReadWriter { return lineEnder{s.Session.Stderr()} }

// unwrap is the session scpSession wraps, for sessionOf.
func (s scpSession) unwrap() ssh.Session { return s.Session }

// lineEnder ends each write with "\n" if it does not already.
type lineEnder struct{ io.ReadWriter }

func (l lineEnder) Write(p []byte) (int, error) {
	if len(p) == 0 || p[len(p)-1] == '\n' {
		return l.ReadWriter.Write(p)
	}
	n, err := l.ReadWriter.Write(append(p[:len(p):len(p)], '\n'))
	return min(n, len(p)), err
}

// scpName checks that a name can travel in scp's line protocol: a line
// break in it would end the line early, and what follows would be read
// as the next command (bytes a name's author chose written to the
// client's disk).
func scpName(name string) error {
	if strings.ContainsAny(name, "\n") || name == "" || name == "." || name == ".." || strings.Contains(name, "/") {
		return fmt.Errorf("%w: %q cannot be sent by scp (a line break or path in its name); use sftp", backend.ErrInvalid, name)
	}
	return nil
}

// vfsOf is the file tree of sess, or an error if the session was refused.
func (h scpHandler) vfsOf(sess ssh.Session) (*session, *vfs, error) {
	se := h.s.sessionOf(sess)
	if se == nil {
		return nil, nil, errors.New("no session")
	}
	se.code = 1 // until the copy succeeds
	return se, se.vfs(h.s.cfg.SpoolDir), nil
}

// copied marks a copy step done: the session ends with status 0, unless
// a file was skipped.
func (se *session) copied() {
	if !se.skipped {
		se.code = 0
	}
}

// safeErr makes an error's text safe to print on the client's terminal.
type safeErr struct{ err error }

func (e safeErr) Error() string { return safe.Text(e.err.Error()) }
func (e safeErr) Unwrap() error { return e.err }

func wrapSafe(err error) error {
	if err == nil {
		return nil
	}
	return safeErr{err}
}

// scpSourceMiddleware lets an scp download end cleanly: wish's scp writes
// the files without waiting for the client's acknowledgements, so before
// the session ends the server closes its side and reads what the client
// still sends, until it is done; otherwise scp reports "lost connection".
func (s *Server) scpSourceMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		next(sess)
		if info := scp.GetInfo(sess.Command()); !info.Ok || info.Op != scp.OpCopyToClient {
			return
		}
		_ = sess.CloseWrite()
		done := make(chan struct{})
		go func() {
			_, _ = io.Copy(io.Discard, sess)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}
}

// Glob does no globbing: the path is taken as it is.
func (h scpHandler) Glob(_ ssh.Session, p string) ([]string, error) { return []string{p}, nil }

// WalkDir walks a folder of the store for scp -r.
func (h scpHandler) WalkDir(sess ssh.Session, root string, fn fs.WalkDirFunc) error {
	se, f, err := h.vfsOf(sess)
	if err != nil {
		return err
	}
	v, err := parseVPath(root)
	if err != nil {
		return wrapSafe(err)
	}
	fi, err := f.stat(se.ctx, v)
	if err != nil {
		return wrapSafe(err)
	}
	if err := h.walk(se, f, v, root, fi, fn); err != nil && !errors.Is(err, fs.SkipDir) {
		return wrapSafe(err)
	}
	se.copied()
	return nil
}

func (h scpHandler) walk(se *session, f *vfs, v vpath, name string, fi fileInfo, fn fs.WalkDirFunc) error {
	if err := fn(name, fs.FileInfoToDirEntry(fi), nil); err != nil || !fi.IsDir() {
		return err
	}
	if v.depth < 2 {
		return fmt.Errorf("%w: copy a repository or what is inside one", backend.ErrInvalid)
	}
	cursor := ""
	for {
		p, err := f.store.ListObjects(se.ctx, v.ref(), v.path, backend.PageRequest{Limit: sftpPageSize, Cursor: cursor})
		if err != nil {
			return err
		}
		for _, e := range p.Items {
			err := scpName(e.Name)
			if err == nil && e.Link {
				// Not entered, as walks do not: links could make a loop.
				err = fmt.Errorf("%s is a link; scp -r does not follow links", e.Path)
			}
			if err != nil {
				fmt.Fprintf(se.sess.Stderr(), "coop: skipped: %s\n", safe.Text(err.Error()))
				se.skipped, se.code = true, 1
				continue
			}
			child := v
			child.path, child.depth = e.Path, 3
			cfi := fileInfo{name: e.Name, size: e.Size, mode: fileMode(false), mod: e.ModTime}
			if e.IsDir() {
				cfi.mode = dirMode(false)
			}
			if err := h.walk(se, f, child, path.Join(name, e.Name), cfi, fn); err != nil && !errors.Is(err, fs.SkipDir) {
				return err
			}
		}
		if p.Next == "" {
			return nil
		}
		cursor = p.Next
	}
}

// NewDirEntry describes a folder being sent to the client.
func (h scpHandler) NewDirEntry(sess ssh.Session, p string) (*scp.DirEntry, error) {
	se, f, err := h.vfsOf(sess)
	if err != nil {
		return nil, err
	}
	v, err := parseVPath(p)
	if err != nil {
		return nil, wrapSafe(err)
	}
	fi, err := f.stat(se.ctx, v)
	if err == nil {
		err = scpName(fi.Name())
	}
	if err != nil {
		return nil, wrapSafe(err)
	}
	return &scp.DirEntry{Name: fi.Name(), Filepath: p, Mode: fi.Mode(), Mtime: fi.mod.Unix(), Atime: fi.mod.Unix()}, nil
}

// NewFileEntry describes a file being sent to the client; its content is
// opened only when it is sent.
func (h scpHandler) NewFileEntry(sess ssh.Session, p string) (*scp.FileEntry, func() error, error) {
	se, f, err := h.vfsOf(sess)
	if err != nil {
		return nil, nil, err
	}
	v, err := parseVPath(p)
	if err != nil {
		return nil, nil, wrapSafe(err)
	}
	fi, err := f.stat(se.ctx, v)
	if err != nil {
		return nil, nil, wrapSafe(err)
	}
	if fi.IsDir() {
		return nil, nil, wrapSafe(fmt.Errorf("%s %w (use scp -r)", v, errIsDir))
	}
	if err := scpName(fi.Name()); err != nil {
		return nil, nil, wrapSafe(err)
	}
	size := fi.Size()
	lr := &lazyReader{open: func() (io.ReadCloser, error) {
		rc, _, err := f.store.GetObject(se.ctx, v.ref(), v.path)
		if err != nil {
			return nil, wrapSafe(err)
		}
		// Exactly the size announced, or the copy fails: more bytes would
		// be read as scp commands, fewer would hang the client.
		return struct {
			io.Reader
			io.Closer
		}{&exactReader{r: rc, left: size, strict: true}, rc}, nil
	}}
	se.copied()
	return &scp.FileEntry{Name: fi.Name(), Filepath: p, Mode: fi.Mode(), Size: fi.Size(), Reader: lr,
		Mtime: fi.mod.Unix(), Atime: fi.mod.Unix()}, lr.Close, nil
}

// Mkdir makes a folder for scp -r into the store.
func (h scpHandler) Mkdir(sess ssh.Session, e *scp.DirEntry) error {
	se, f, err := h.vfsOf(sess)
	if err != nil {
		return err
	}
	v, err := parseVPath(e.Filepath)
	if err != nil {
		return wrapSafe(err)
	}
	if err := f.mkdir(se.ctx, v); err != nil && !errors.Is(err, backend.ErrExists) {
		return wrapSafe(err)
	}
	se.copied()
	return nil
}

// Write stores one file from the client. A target that is not an
// existing folder names the file itself (scp f host:/a/r/new.txt).
func (h scpHandler) Write(sess ssh.Session, e *scp.FileEntry) (int64, error) {
	se, f, err := h.vfsOf(sess)
	if err != nil {
		return 0, err
	}
	target := e.Filepath
	if parent, err := parseVPath(path.Dir(target)); err == nil {
		if fi, err := f.stat(se.ctx, parent); (err != nil || !fi.IsDir()) && parent.depth >= 3 {
			target = path.Dir(target)
		}
	}
	v, err := parseVPath(target)
	if err != nil {
		return 0, wrapSafe(err)
	}
	if v.depth < 3 {
		return 0, wrapSafe(errOutsideRepo)
	}
	body := &exactReader{r: e.Reader, left: e.Size}
	if err := f.writer.put(se.ctx, v.ref(), v.path, body, e.Size); err != nil {
		return 0, wrapSafe(err)
	}
	se.copied()
	return e.Size, nil
}

// exactReader fails with io.ErrUnexpectedEOF if its source ends before
// left bytes: a client that disconnects mid-file stores nothing. With
// strict, a source with more than left bytes fails too (an object that
// grew since it was described).
type exactReader struct {
	r      io.Reader
	left   int64
	strict bool
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		if e.strict {
			var one [1]byte
			if n, _ := e.r.Read(one[:]); n > 0 {
				return 0, fmt.Errorf("%w: the file grew while it was being sent", backend.ErrObjectChanged)
			}
		}
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if errors.Is(err, io.EOF) && e.left > 0 {
		return n, io.ErrUnexpectedEOF
	}
	if e.left == 0 && err == nil {
		return n, io.EOF
	}
	return n, err
}

// lazyReader opens its source on the first Read.
type lazyReader struct {
	open func() (io.ReadCloser, error)
	mu   sync.Mutex
	rc   io.ReadCloser
	done bool
}

func (l *lazyReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return 0, io.EOF
	}
	if l.rc == nil {
		rc, err := l.open()
		if err != nil {
			return 0, err
		}
		l.rc = rc
	}
	n, err := l.rc.Read(p)
	if err != nil {
		// wish sends every file of a copy before closing any: close each
		// as soon as it is read, or a large folder holds a descriptor per
		// file.
		_ = l.rc.Close()
		l.rc, l.done = nil, true
	}
	return n, err
}

// Close closes the source if it was opened.
func (l *lazyReader) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rc == nil {
		return nil
	}
	return l.rc.Close()
}
