package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/coopterm/coop/backend"
)

// DirectoryContentType is the ContentType StatObject reports for a folder.
const DirectoryContentType = backend.DirectoryContentType

// PutObject streams r to a temporary file beside path, hashing it on the
// way, syncs it and renames it into place, so readers see either the old
// object or the whole new one.
func (s *Store) PutObject(ctx context.Context, ref backend.RepoRef, path string, r io.Reader, size int64) (backend.ObjectInfo, error) {
	return s.putObject(ctx, ref, path, r, size, false)
}

// putObject writes an object; with noReplace it fails with
// backend.ErrObjectExists rather than replace one (see commitTemp). Every
// name is opened through the repository's os.Root (see paths.go).
func (s *Store) putObject(ctx context.Context, ref backend.RepoRef, path string, r io.Reader, size int64, noReplace bool) (backend.ObjectInfo, error) {
	var info backend.ObjectInfo
	if _, err := s.objectPath(ref, path, false); err != nil {
		return info, err
	}
	if err := os.MkdirAll(s.repoDir(ref), 0o755); err != nil {
		return info, fmt.Errorf("put %s %q: %w", ref, path, pathConflict(err))
	}
	root, err := s.repoRoot(ref)
	if err != nil {
		return info, rootError("put", ref, path, err)
	}
	defer func() { _ = root.Close() }()
	name := rootPath(path)
	dir := filepath.Dir(name)
	var f *os.File
	var tmp string
	for attempt := 0; ; attempt++ { // a concurrent delete may prune the folder between MkdirAll and create
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return info, rootError("put", ref, path, pathConflict(err))
		}
		if f, tmp, err = createTempIn(root, dir); err == nil || attempt == 3 || !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		return info, rootError("put", ref, path, err)
	}
	defer func() {
		if f != nil {
			f.Close()
			_ = root.Remove(tmp)
		}
	}()
	h := backend.NewContentHash()
	n, head, err := copyHashed(ctx, f, r, h, size)
	if err != nil {
		return info, fmt.Errorf("put %s %q: %w", ref, path, err)
	}
	if size >= 0 && n != size {
		return info, fmt.Errorf("put %s %q: %w: read %d bytes, expected %d", ref, path, backend.ErrInvalid, n, size)
	}
	if !s.noSync {
		if err := f.Sync(); err != nil {
			return info, fmt.Errorf("put %s %q: sync: %w", ref, path, err)
		}
	}
	fi, err := f.Stat()
	if err != nil {
		return info, fmt.Errorf("put %s %q: %w", ref, path, err)
	}
	if err := ctx.Err(); err != nil {
		return info, fmt.Errorf("put %s %q: %w", ref, path, err)
	}
	err = commitTempIn(root, f, tmp, name, noReplace)
	f = nil
	if err != nil {
		return info, rootError("put", ref, path, err)
	}
	s.cache.invalidate(s.repoDir(ref))
	return backend.ObjectInfo{
		Path:        path,
		Size:        n,
		ModTime:     fi.ModTime(),
		ContentType: backend.DetectContentType(head, path),
		Checksum:    h.SHA256(),
		CRC32C:      h.CRC32C(),
	}, nil
}

// copyHashed copies r to w and h, keeping the first backend.SniffLen
// bytes, and stops early if ctx ends.
func copyHashed(ctx context.Context, w io.Writer, r io.Reader, h *backend.ContentHash, size int64) (int64, []byte, error) {
	// Small known sizes get a small buffer: the demo and many data sets are
	// mostly files of a few KiB, and 256 KiB each is pure garbage.
	bufSize := int64(256 << 10)
	if size >= 0 {
		bufSize = min(bufSize, max(size+1, 4<<10))
	}
	buf := make([]byte, bufSize)
	head := make([]byte, 0, backend.SniffLen)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, head, err
		}
		m, rerr := r.Read(buf)
		if m > 0 {
			if len(head) < backend.SniffLen {
				head = append(head, buf[:min(m, backend.SniffLen-len(head))]...)
			}
			h.Add(buf[:m])
			if _, err := w.Write(buf[:m]); err != nil {
				return n, head, fmt.Errorf("write: %w", err)
			}
			n += int64(m)
		}
		if rerr == io.EOF {
			return n, head, nil
		}
		if rerr != nil {
			return n, head, fmt.Errorf("read source: %w", rerr)
		}
	}
}

// pathConflict marks errors caused by a file where a folder should be or
// the other way round.
func pathConflict(err error) error {
	if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EISDIR) || errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.ENOTEMPTY) {
		return fmt.Errorf("%w: a file and a folder cannot share a name: %w", backend.ErrExists, err)
	}
	return err
}

// StatObject returns size, time and content type of an object, or of a
// folder (with DirectoryContentType).
func (s *Store) StatObject(ctx context.Context, ref backend.RepoRef, path string) (backend.ObjectInfo, error) {
	if _, err := s.readPath(ref, path, true); err != nil {
		return backend.ObjectInfo{}, err
	}
	f, info, err := s.openObject(ref, path, true)
	if f != nil {
		f.Close()
	}
	return info, err
}

// GetObject opens an object for reading; the caller closes it.
func (s *Store) GetObject(ctx context.Context, ref backend.RepoRef, path string) (io.ReadCloser, backend.ObjectInfo, error) {
	if _, err := s.readPath(ref, path, false); err != nil {
		return nil, backend.ObjectInfo{}, err
	}
	f, info, err := s.openObject(ref, path, false)
	if err != nil {
		return nil, info, err
	}
	return f, info, nil
}

// openObject opens path through the repository's root and describes it.
// Folders are described only when allowDir is set, and then no file is
// returned. It opens without blocking and checks what it opened, so a
// FIFO or device (which could block or have side effects) is never read.
func (s *Store) openObject(ref backend.RepoRef, path string, allowDir bool) (*os.File, backend.ObjectInfo, error) {
	info := backend.ObjectInfo{Path: path}
	root, err := s.repoRoot(ref)
	if err != nil {
		return nil, info, rootError("object", ref, path, err)
	}
	defer func() { _ = root.Close() }()
	f, err := root.OpenFile(rootPath(path), os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, info, rootError("object", ref, path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, info, fmt.Errorf("object %s %q: %w", ref, path, err)
	}
	info.ModTime = fi.ModTime()
	switch {
	case fi.IsDir() && allowDir:
		f.Close()
		info.ContentType = DirectoryContentType
		return nil, info, nil
	case !fi.Mode().IsRegular():
		f.Close()
		return nil, info, fmt.Errorf("object %s %q: %w: not a file", ref, path, backend.ErrNotFound)
	}
	info.Size = fi.Size()
	head := make([]byte, min(backend.SniffLen, fi.Size()))
	n, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		f.Close()
		return nil, info, fmt.Errorf("object %s %q: %w", ref, path, err)
	}
	info.ContentType = backend.DetectContentType(head[:n], path)
	return f, info, nil
}

// DeleteObject removes one object (a link is removed itself, never what
// it points to), then the folders it leaves empty, up to but not
// including the repository root.
func (s *Store) DeleteObject(ctx context.Context, ref backend.RepoRef, path string) error {
	if err := backend.ValidateReadPath(path, false); err != nil {
		return err
	}
	// The folders on the way must be followed; the name itself may be a
	// link of any kind (it is what goes).
	if _, err := s.resolve(ref, reserved(path, backend.ParentFolder(path))); err != nil {
		return err
	}
	root, err := s.repoRoot(ref)
	if err != nil {
		return rootError("delete", ref, path, err)
	}
	defer func() { _ = root.Close() }()
	name := rootPath(path)
	fi, err := root.Lstat(name)
	switch {
	case err != nil:
		return rootError("delete", ref, path, err)
	case fi.IsDir():
		return fmt.Errorf("delete %s %q: %w: is a folder; delete its objects instead", ref, path, backend.ErrInvalid)
	}
	if err := root.Remove(name); err != nil {
		return rootError("delete", ref, path, err)
	}
	for dir := filepath.Dir(name); dir != "." && dir != string(filepath.Separator); dir = filepath.Dir(dir) {
		if removed := root.Remove(dir) == nil; !removed {
			break // not empty (or gone): stop pruning
		}
	}
	s.cache.invalidate(s.repoDir(ref))
	return nil
}
