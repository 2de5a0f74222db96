package memstore

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/coopterm/coop/backend"
)

// Generate makes folder ("" for the repository root; it must hold
// nothing yet) list n generated files, file-0000000.dat, file-0000001.dat
// …, file i being i zero bytes long, with no modification time (a zero
// time, which listings may report as unknown). They are made page by page
// as they are listed, never kept, so a test can browse a folder of
// millions of files; the folder is read-only.
func (s *Store) Generate(ref backend.RepoRef, folder string, n int) error {
	folder, err := backend.CleanFolder(folder)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(ref)
	if err != nil {
		return err
	}
	if (folder == "" && len(b.keys) > 0) || (folder != "" && b.under(folder)) {
		return fmt.Errorf("%w generated folder %q: not empty", backend.ErrExists, folder)
	}
	b.gen[folder] = n
	if folder != "" {
		// A marker key places the folder in its parent's listing.
		marker := folder + "/"
		i, _ := slices.BinarySearch(b.keys, marker)
		b.keys = slices.Insert(b.keys, i, marker)
	}
	return nil
}

// genName is the name of generated file i.
func genName(i int) string { return fmt.Sprintf("file-%07d.dat", i) }

// generated returns the generated file at path, if path names one.
func (b *bucket) generated(path string) (*object, bool) {
	dir := backend.ParentFolder(path)
	n, ok := b.gen[dir]
	if !ok {
		return nil, false
	}
	name := strings.TrimPrefix(path[len(dir):], "/")
	num, ok := strings.CutPrefix(name, "file-")
	num, ok2 := strings.CutSuffix(num, ".dat")
	i, err := strconv.Atoi(num)
	if !ok || !ok2 || err != nil || i < 0 || i >= n || genName(i) != name {
		return nil, false
	}
	return zeroObject(path, int64(i)), true
}

// generatedPage lists generated files after the cursor (the index of the
// next one).
func generatedPage(folder string, n int, cursor string, limit int) (backend.Page[backend.Entry], error) {
	start := 0
	if cursor != "" {
		var err error
		if start, err = strconv.Atoi(cursor); err != nil || start < 0 || start > n {
			return backend.Page[backend.Entry]{}, fmt.Errorf("%w cursor %q", backend.ErrInvalid, cursor)
		}
	}
	end := min(start+limit, n)
	p := backend.Page[backend.Entry]{Items: make([]backend.Entry, 0, end-start)}
	for i := start; i < end; i++ {
		name := genName(i)
		p.Items = append(p.Items, backend.Entry{Name: name, Path: backend.JoinPath(folder, name), Type: backend.TypeFile, Size: int64(i)})
	}
	if end < n {
		p.Next = strconv.Itoa(end)
	}
	return p, nil
}
