package memstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/coopterm/coop/backend"
)

// bucket is one repository's objects under their keys, kept in S3 order,
// which is also the order a listing shows: "a.txt" < "a/" < "a0".
type bucket struct {
	keys []string
	objs map[string]*object
	gen  map[string]int // generated folders (see Generate): files each lists
}

// object is one stored object.
type object struct {
	data  []byte // nil: size zero bytes (see Fill)
	size  int64
	mod   time.Time
	ctype string
	sum   string // "sha256:<hex>"
	crc   string
}

func (o *object) info(path string) backend.ObjectInfo {
	return backend.ObjectInfo{Path: path, Size: o.size, ModTime: o.mod, ContentType: o.ctype, Checksum: o.sum}
}

// reader reads the object's content.
func (o *object) reader() io.Reader {
	if o.data == nil {
		return io.LimitReader(zeros{}, o.size)
	}
	return bytes.NewReader(o.data)
}

// newObject describes data, hashing it and naming its content type.
func newObject(path string, data []byte) *object {
	h := backend.NewContentHash()
	h.Add(data)
	return &object{data: data, size: int64(len(data)), ctype: backend.DetectContentType(data[:min(len(data), backend.SniffLen)], path),
		sum: h.SHA256(), crc: h.CRC32C()}
}

// zeroObject describes size zero bytes without keeping them.
func zeroObject(path string, size int64) *object {
	h := backend.NewContentHash()
	block := make([]byte, min(size, 64<<10))
	for left := size; left > 0; left -= int64(len(block)) {
		h.Add(block[:min(left, int64(len(block)))])
	}
	return &object{size: size, ctype: backend.DetectContentType(block[:min(len(block), backend.SniffLen)], path),
		sum: h.SHA256(), crc: h.CRC32C()}
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// bucket returns ref's bucket, or an error if the repository does not
// exist. The caller holds s.mu.
func (s *Store) bucket(ref backend.RepoRef) (*bucket, error) {
	if _, ok := s.repos[ref]; !ok {
		return nil, fmt.Errorf("repository %s: %w", ref, backend.ErrNotFound)
	}
	b := s.objects[ref]
	if b == nil {
		b = &bucket{objs: map[string]*object{}, gen: map[string]int{}}
		s.objects[ref] = b
	}
	return b, nil
}

// PutObject implements backend.StorageClient: r is read whole, hashed,
// then stored in one step, so readers see the old object or the new one.
func (s *Store) PutObject(ctx context.Context, ref backend.RepoRef, path string, r io.Reader, size int64) (backend.ObjectInfo, error) {
	if err := backend.ValidateRef(ref); err != nil {
		return backend.ObjectInfo{}, err
	}
	if err := backend.ValidatePath(path, false); err != nil {
		return backend.ObjectInfo{}, err
	}
	var buf bytes.Buffer
	if size > 0 {
		buf.Grow(int(min(size, 64<<20))) // one copy of the content, not one per doubling
	}
	h := backend.NewContentHash()
	if _, err := io.Copy(io.MultiWriter(&buf, h), ctxReader{ctx, r}); err != nil {
		return backend.ObjectInfo{}, fmt.Errorf("put %s %q: read source: %w", ref, path, err)
	}
	if size >= 0 && int64(buf.Len()) != size {
		return backend.ObjectInfo{}, fmt.Errorf("put %s %q: %w: read %d bytes, expected %d", ref, path, backend.ErrInvalid, buf.Len(), size)
	}
	data := buf.Bytes()
	o := &object{data: data, size: int64(len(data)), ctype: backend.DetectContentType(data[:min(len(data), backend.SniffLen)], path),
		sum: h.SHA256(), crc: h.CRC32C()}
	if err := s.store(ref, path, o); err != nil {
		return backend.ObjectInfo{}, fmt.Errorf("put %s %q: %w", ref, path, err)
	}
	info := o.info(path)
	info.CRC32C = o.crc
	return info, nil
}

// Import stores data at path as another tool might have written it: the
// name is checked only as a read checks names, so it may hold characters
// coop itself never writes (control characters, invalid UTF-8). For tests
// of what other tools leave in a store.
func (s *Store) Import(ref backend.RepoRef, path string, data []byte) error {
	if err := backend.ValidateReadPath(path, false); err != nil {
		return err
	}
	return s.store(ref, path, newObject(path, bytes.Clone(data)))
}

// Fill stores size zero bytes at path without keeping them, named as
// Import names objects: for tests that need large objects but not their
// content.
func (s *Store) Fill(ref backend.RepoRef, path string, size int64) error {
	if err := backend.ValidateReadPath(path, false); err != nil {
		return err
	}
	return s.store(ref, path, zeroObject(path, max(size, 0)))
}

// store puts o under path, refusing a file where a folder is or the other
// way round, as a file system does.
func (s *Store) store(ref backend.RepoRef, path string, o *object) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(ref)
	if err != nil {
		return err
	}
	if b.under(path) {
		return fmt.Errorf("%w: a file and a folder cannot share a name", backend.ErrExists)
	}
	for dir := backend.ParentFolder(path); ; dir = backend.ParentFolder(dir) {
		if _, ok := b.gen[dir]; ok {
			return fmt.Errorf("%w: %q is a generated folder", backend.ErrInvalid, dir)
		}
		if dir == "" {
			break
		}
		if _, ok := b.objs[dir]; ok {
			return fmt.Errorf("%w: a file and a folder cannot share a name", backend.ErrExists)
		}
	}
	o.mod = s.now()
	if _, ok := b.objs[path]; !ok {
		i, _ := slices.BinarySearch(b.keys, path)
		b.keys = slices.Insert(b.keys, i, path)
	}
	b.objs[path] = o
	return nil
}

// under reports whether anything is stored below folder.
func (b *bucket) under(folder string) bool {
	if _, ok := b.gen[folder]; ok {
		return true
	}
	prefix := folder + "/"
	i, _ := slices.BinarySearch(b.keys, prefix)
	return i < len(b.keys) && strings.HasPrefix(b.keys[i], prefix)
}

// StatObject implements backend.StorageClient; a folder is described
// with backend.DirectoryContentType.
func (s *Store) StatObject(ctx context.Context, ref backend.RepoRef, path string) (backend.ObjectInfo, error) {
	o, dir, err := s.find(ctx, ref, path)
	switch {
	case err != nil:
		return backend.ObjectInfo{}, err
	case dir:
		return backend.ObjectInfo{Path: path, ContentType: backend.DirectoryContentType}, nil
	}
	return o.info(path), nil
}

// GetObject implements backend.StorageClient.
func (s *Store) GetObject(ctx context.Context, ref backend.RepoRef, path string) (io.ReadCloser, backend.ObjectInfo, error) {
	o, dir, err := s.find(ctx, ref, path)
	switch {
	case err != nil:
		return nil, backend.ObjectInfo{}, err
	case dir:
		return nil, backend.ObjectInfo{}, fmt.Errorf("object %s %q: %w: is a folder", ref, path, backend.ErrNotFound)
	}
	return io.NopCloser(o.reader()), o.info(path), nil
}

// find returns the object at path, or reports a folder there.
func (s *Store) find(ctx context.Context, ref backend.RepoRef, path string) (*object, bool, error) {
	if err := backend.ValidateRef(ref); err != nil {
		return nil, false, err
	}
	if err := backend.ValidateReadPath(path, false); err != nil {
		return nil, false, err
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(ref)
	if err != nil {
		return nil, false, err
	}
	if o, ok := b.objs[path]; ok {
		return o, false, nil
	}
	if o, ok := b.generated(path); ok {
		return o, false, nil
	}
	if b.under(path) {
		return nil, true, nil
	}
	return nil, false, fmt.Errorf("object %s %q: %w", ref, path, backend.ErrNotFound)
}

// DeleteObject implements backend.StorageClient. Folders have no life of
// their own: one goes when its last object does.
func (s *Store) DeleteObject(ctx context.Context, ref backend.RepoRef, path string) error {
	if err := backend.ValidateRef(ref); err != nil {
		return err
	}
	if err := backend.ValidateReadPath(path, false); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(ref)
	if err != nil {
		return err
	}
	if _, ok := b.objs[path]; !ok {
		if _, gen := b.generated(path); gen {
			return fmt.Errorf("delete %s %q: %w: in a generated folder", ref, path, backend.ErrInvalid)
		}
		if b.under(path) {
			return fmt.Errorf("delete %s %q: %w: is a folder; delete its objects instead", ref, path, backend.ErrInvalid)
		}
		return fmt.Errorf("delete %s %q: %w", ref, path, backend.ErrNotFound)
	}
	delete(b.objs, path)
	if i, ok := slices.BinarySearch(b.keys, path); ok {
		b.keys = slices.Delete(b.keys, i, i+1)
	}
	return nil
}

// ListObjects implements backend.StorageClient: one folder level in key
// order, each subfolder once. The cursor is the name of the last entry
// listed (a folder's with its slash), so it stays valid while the folder
// changes.
func (s *Store) ListObjects(ctx context.Context, ref backend.RepoRef, folder string, req backend.PageRequest) (backend.Page[backend.Entry], error) {
	if err := backend.ValidateRef(ref); err != nil {
		return backend.Page[backend.Entry]{}, err
	}
	folder, err := backend.CleanFolder(folder)
	if err != nil {
		return backend.Page[backend.Entry]{}, err
	}
	if err := ctx.Err(); err != nil {
		return backend.Page[backend.Entry]{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(ref)
	if err != nil {
		return backend.Page[backend.Entry]{}, err
	}
	limit := s.limit(req.Limit)
	if n, ok := b.gen[folder]; ok {
		return generatedPage(folder, n, req.Cursor, limit)
	}
	if folder != "" && !b.under(folder) {
		return backend.Page[backend.Entry]{}, fmt.Errorf("list %s %q: %w", ref, folder, backend.ErrNotFound)
	}
	return b.list(folder, req.Cursor, limit), nil
}

// list pages through the keys under folder, one level deep.
func (b *bucket) list(folder, cursor string, limit int) backend.Page[backend.Entry] {
	prefix := ""
	if folder != "" {
		prefix = folder + "/"
	}
	start := prefix + cursor
	if dir, ok := strings.CutSuffix(cursor, "/"); ok {
		start = prefix + dir + "0" // past everything under the folder
	}
	i, _ := slices.BinarySearch(b.keys, start)
	var p backend.Page[backend.Entry]
	for i < len(b.keys) && strings.HasPrefix(b.keys[i], prefix) {
		key := b.keys[i]
		rest := key[len(prefix):]
		if rest == cursor {
			i++
			continue
		}
		if len(p.Items) == limit {
			p.Next = p.Items[len(p.Items)-1].Name
			if p.Items[len(p.Items)-1].IsDir() {
				p.Next += "/"
			}
			return p
		}
		if slash := strings.IndexByte(rest, '/'); slash >= 0 {
			name := rest[:slash]
			p.Items = append(p.Items, backend.Entry{Name: name, Path: prefix + name, Type: backend.TypeDirectory})
			// Every key under the subfolder sorts before its name + "0",
			// the character after '/'.
			i, _ = slices.BinarySearch(b.keys, prefix+name+"0")
			continue
		}
		o := b.objs[key]
		p.Items = append(p.Items, backend.Entry{Name: rest, Path: key, Type: backend.TypeFile, Size: o.size, ModTime: o.mod})
		i++
	}
	return p
}

// ctxReader stops a copy once its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
