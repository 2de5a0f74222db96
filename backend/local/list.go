package local

import (
	"context"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/coopterm/coop/backend"
)

// ListObjects lists one folder level, one page at a time. Folders sort as
// their name followed by "/", which is the order of S3 keys and common
// prefixes, so both backends list alike. The sorted names of large
// folders are cached (see dirCache), so a page costs a binary search and
// one stat per entry on it rather than a read of the whole folder.
func (s *Store) ListObjects(ctx context.Context, ref backend.RepoRef, folder string, req backend.PageRequest) (backend.Page[backend.Entry], error) {
	var page backend.Page[backend.Entry]
	folder, err := backend.CleanFolder(folder)
	if err != nil {
		return page, err
	}
	abs, err := s.readPath(ref, folder, true)
	if err != nil {
		return page, err
	}
	after, err := base64.RawURLEncoding.DecodeString(req.Cursor)
	if err != nil {
		return page, fmt.Errorf("%w cursor %q: not from this listing", backend.ErrInvalid, req.Cursor)
	}
	limit := req.Limit
	if limit <= 0 {
		limit = DefaultPageSize
	}
	limit = min(limit, maxPageSize)

	root, err := s.repoRoot(ref)
	if err != nil {
		return page, rootError("list", ref, folder, err)
	}
	defer func() { _ = root.Close() }()
	d, err := root.OpenFile(rootPath(folder), os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return page, rootError("list", ref, folder, err)
	}
	defer d.Close()
	keys, err := s.sortedNames(root, d, abs, folder)
	if err != nil {
		return page, fmt.Errorf("list %s %q: %w", ref, folder, err)
	}
	i := sort.SearchStrings(keys, string(after))
	if req.Cursor != "" && i < len(keys) && keys[i] == string(after) {
		i++
	}
	page.Items = make([]backend.Entry, 0, min(limit, len(keys)-i))
	for ; i < len(keys) && len(page.Items) < limit; i++ {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return backend.Page[backend.Entry]{}, err
			}
		}
		if e, ok := s.entry(root, d, abs, folder, keys[i]); ok {
			page.Items = append(page.Items, e)
		}
	}
	if i < len(keys) {
		page.Next = base64.RawURLEncoding.EncodeToString([]byte(keys[i-1]))
	}
	return page, nil
}

// entry stats one listed name in the open folder d. Names that vanished
// are dropped. A link that is followed describes what it points to (and
// says it is a link); any other is listed as a link (see paths.go).
func (s *Store) entry(root *os.Root, d *os.File, abs, folder, key string) (backend.Entry, bool) {
	name := strings.TrimSuffix(key, "/")
	mode, size, mtime, err := lstatAt(d, abs, name)
	if err != nil {
		return backend.Entry{}, false
	}
	p := backend.JoinPath(folder, name)
	e := backend.Entry{
		Name:    p[len(p)-len(name):], // shares Path's memory
		Path:    p,
		ModTime: mtime,
		Odd:     backend.OddName(name),
	}
	if mode&fs.ModeSymlink != 0 {
		e.Link = true
		fi, err := root.Stat(filepath.FromSlash(p))
		if err != nil || (!fi.IsDir() && !fi.Mode().IsRegular()) {
			e.Type = backend.TypeLink
			return e, true
		}
		mode, size, e.ModTime = fi.Mode(), fi.Size(), fi.ModTime()
	}
	switch {
	case mode.IsDir():
		e.Type = backend.TypeDirectory
	case mode.IsRegular():
		e.Type, e.Size = backend.TypeFile, size
	default:
		return backend.Entry{}, false
	}
	return e, true
}

// sortedNames returns the sorted listing keys of the open folder d: names
// of files and links, and of folders (and links followed to folders) with
// "/" appended. Hidden and unaddressable names are left out.
func (s *Store) sortedNames(root *os.Root, d *os.File, abs, folder string) ([]string, error) {
	start := time.Now()
	stamp, isDir, err := folderStamp(d)
	if err != nil {
		return nil, err
	}
	if !isDir {
		return nil, fmt.Errorf("%w: not a folder", backend.ErrNotFound)
	}
	if keys, ok := s.cache.get(abs, stamp); ok {
		return keys, nil
	}
	ents, err := d.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	atRoot := folder == ""
	room := backend.MaxPathBytes - len(folder) - 1
	if atRoot {
		room = backend.MaxPathBytes
	}
	keys := make([]string, 0, len(ents))
	for _, e := range ents {
		name := e.Name()
		if hiddenName(name, atRoot) || len(name) > room ||
			(name != backend.MetadataFileName && backend.ValidateReadPath(name, false) != nil) {
			continue
		}
		switch t := e.Type(); {
		case t.IsDir():
			keys = append(keys, name+"/")
		case t.IsRegular():
			keys = append(keys, name)
		case t&fs.ModeSymlink != 0:
			if fi, err := root.Stat(filepath.FromSlash(backend.JoinPath(folder, name))); err == nil && fi.IsDir() {
				keys = append(keys, name+"/")
			} else {
				keys = append(keys, name)
			}
		}
	}
	slices.Sort(keys)
	// A change within the timestamp granularity of the snapshot could leave
	// the folder's times unchanged, so such a listing is not reused.
	stable := start.Sub(time.Unix(0, max(stamp.mtime, stamp.ctime))) > s.cache.racyWindow
	s.cache.put(abs, stamp, keys, stable)
	return keys, nil
}
