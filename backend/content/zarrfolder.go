package content

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/coopterm/coop/backend"
)

// Folder is what a folder preview reads: the first entries of a folder
// and small files in it. Paths are relative to the repository root.
type Folder interface {
	// List returns up to limit entries of dir, and whether it has more.
	List(ctx context.Context, dir string, limit int) (entries []backend.Entry, more bool, err error)
	// Read returns up to n bytes from the start of the file at p;
	// backend.ErrNotFound if there is none.
	Read(ctx context.Context, p string, n int64) ([]byte, error)
}

// StoreFolder reads folders of a repository of store: one listing page,
// and ranged GETs of the metadata documents.
func StoreFolder(store backend.StorageClient, repo backend.RepoRef) Folder {
	return storeFolder{store: store, repo: repo}
}

type storeFolder struct {
	store backend.StorageClient
	repo  backend.RepoRef
}

func (s storeFolder) List(ctx context.Context, dir string, limit int) ([]backend.Entry, bool, error) {
	page, err := s.store.ListObjects(ctx, s.repo, dir, backend.PageRequest{Limit: limit})
	return page.Items, page.Next != "", err
}

func (s storeFolder) Read(ctx context.Context, p string, n int64) ([]byte, error) {
	return StoreRanger(s.store, s.repo, p, "").ReadRange(ctx, 0, n)
}

// Bounds on a folder preview: one page of the folder, and the members of
// a group without consolidated metadata read one request each.
const (
	zarrListLimit   = 1000
	maxZarrChildren = 16
)

// zarrReader reads a Zarr hierarchy's documents within a byte budget.
type zarrReader struct {
	ctx    context.Context
	f      Folder
	budget int64
	limit  int64
	stats  Stats
}

// read returns the whole document at p, which must fit in the budget.
func (z *zarrReader) read(p string) ([]byte, error) {
	if z.budget <= 0 {
		return nil, fmt.Errorf("%w: the Zarr metadata is more than the %d bytes a preview may read", ErrBudget, z.limit)
	}
	b, err := z.f.Read(z.ctx, p, z.budget)
	z.stats.Requests++
	z.stats.BytesRead += int64(len(b))
	z.budget -= int64(len(b))
	if err != nil {
		return nil, err
	}
	if z.budget <= 0 {
		return nil, fmt.Errorf("%w: %s is more than the %d bytes a preview may read", ErrBudget, path.Base(p), z.limit)
	}
	return b, nil
}

// summarizeZarrFolder describes dir if it is a Zarr store, group or
// array; nil if it is none of them.
func summarizeZarrFolder(z *zarrReader, dir string) (*Summary, error) {
	entries, more, err := z.f.List(z.ctx, dir, zarrListLimit)
	z.stats.Requests++
	if err != nil {
		return nil, err
	}
	has := map[string]bool{}
	var subdirs []string
	for _, e := range entries {
		if e.IsDir() {
			subdirs = append(subdirs, e.Path)
		} else {
			has[e.Name] = true
		}
	}
	join := func(name string) string { return path.Join(dir, name) }
	var zr *Zarr
	switch {
	case has["zarr.json"] || (more && strings.HasSuffix(strings.ToLower(dir), ".zarr")):
		raw, err := z.read(join("zarr.json"))
		if errors.Is(err, backend.ErrNotFound) && !has["zarr.json"] {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		zr, err = z.v3(dir, raw, subdirs, more)
		if err != nil {
			return nil, err
		}
	case has[".zmetadata"]:
		raw, err := z.read(join(".zmetadata"))
		if err != nil {
			return nil, err
		}
		if zr, err = zarrConsolidatedV2(raw); err != nil {
			return nil, err
		}
	case has[".zarray"]:
		raw, err := z.read(join(".zarray"))
		if err != nil {
			return nil, err
		}
		a, err := parseZarrV2Array("", raw)
		if err != nil {
			return nil, err
		}
		if has[".zattrs"] {
			if attrs, err := z.read(join(".zattrs")); err == nil {
				a.Attributes = attributes(attrs)
			}
		}
		zr = &Zarr{Version: 2, Node: "array", Array: &a}
	case has[".zgroup"]:
		zr = &Zarr{Version: 2, Node: "group"}
		if has[".zattrs"] {
			if attrs, err := z.read(join(".zattrs")); err == nil {
				zr.Attributes = attributes(attrs)
			}
		}
		z.v2Children(zr, subdirs, more)
	default:
		return nil, nil
	}
	return &Summary{Format: FormatZarr, Zarr: zr}, nil
}

// v3 describes a zarr.json and, for a group without consolidated
// metadata, reads its first children's.
func (z *zarrReader) v3(dir string, raw []byte, subdirs []string, more bool) (*Zarr, error) {
	zr, err := zarrV3Node(raw)
	if err != nil || zr.Node != "group" || zr.Consolidated {
		return zr, err
	}
	for i, sub := range subdirs {
		if i == maxZarrChildren {
			zr.More = true
			break
		}
		doc, err := z.read(path.Join(sub, "zarr.json"))
		if errors.Is(err, backend.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		child, err := parseZarrV3(doc)
		if err != nil {
			return nil, err
		}
		zr.add(path.Base(sub), child)
	}
	zr.More = zr.More || more
	return zr, nil
}

// v2Children reads the first child folders' .zarray (or .zgroup) of a
// group without consolidated metadata.
func (z *zarrReader) v2Children(zr *Zarr, subdirs []string, more bool) {
	for i, sub := range subdirs {
		if i == maxZarrChildren {
			more = true
			break
		}
		if doc, err := z.read(path.Join(sub, ".zarray")); err == nil {
			if a, err := parseZarrV2Array(path.Base(sub), doc); err == nil {
				if attrs, err := z.read(path.Join(sub, ".zattrs")); err == nil {
					a.Attributes = attributes(attrs)
				}
				zr.Arrays = append(zr.Arrays, a)
			}
		} else if _, err := z.read(path.Join(sub, ".zgroup")); err == nil {
			zr.Groups = append(zr.Groups, path.Base(sub))
		}
	}
	zr.More = more
}

// zarrV3Node describes one zarr.json: an array, or a group with the
// members its consolidated metadata lists.
func zarrV3Node(raw []byte) (*Zarr, error) {
	d, err := parseZarrV3(raw)
	if err != nil {
		return nil, err
	}
	if d.NodeType == "array" {
		a := d.array("")
		return &Zarr{Version: 3, Node: "array", Array: &a}, nil
	}
	zr := &Zarr{Version: 3, Node: "group", Attributes: attributes(d.Attributes)}
	if d.Consolidated != nil && d.Consolidated.Metadata != nil {
		zr.Consolidated = true
		for _, name := range slices.Sorted(maps.Keys(d.Consolidated.Metadata)) {
			var child zarrV3
			if json.Unmarshal(d.Consolidated.Metadata[name], &child) == nil {
				zr.add(name, child)
			}
		}
	}
	return zr, nil
}

// add lists a member, up to MaxZarrMembers.
func (zr *Zarr) add(name string, d zarrV3) {
	if len(zr.Arrays)+len(zr.Groups) >= MaxZarrMembers {
		zr.More = true
		return
	}
	if d.NodeType == "array" {
		zr.Arrays = append(zr.Arrays, d.array(name))
	} else {
		zr.Groups = append(zr.Groups, name)
	}
}

// zarrConsolidatedV2 describes a .zmetadata document: the group and
// every array and group it lists.
func zarrConsolidatedV2(raw []byte) (*Zarr, error) {
	var d struct {
		Metadata map[string]json.RawMessage `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, zarrError(".zmetadata", err)
	}
	if d.Metadata == nil {
		return nil, zarrError(".zmetadata", errors.New("no metadata object"))
	}
	zr := &Zarr{Version: 2, Node: "group", Consolidated: true, Attributes: attributes(d.Metadata[".zattrs"])}
	if _, ok := d.Metadata[".zarray"]; ok {
		a, err := parseZarrV2Array("", d.Metadata[".zarray"])
		if err != nil {
			return nil, err
		}
		a.Attributes = zr.Attributes
		return &Zarr{Version: 2, Node: "array", Array: &a, Consolidated: true}, nil
	}
	for _, key := range slices.Sorted(maps.Keys(d.Metadata)) {
		dir, doc := path.Split(key)
		dir = strings.TrimSuffix(dir, "/")
		if dir == "" {
			continue
		}
		if len(zr.Arrays)+len(zr.Groups) >= MaxZarrMembers {
			zr.More = true
			break
		}
		switch doc {
		case ".zarray":
			if a, err := parseZarrV2Array(dir, d.Metadata[key]); err == nil {
				a.Attributes = attributes(d.Metadata[dir+"/.zattrs"])
				zr.Arrays = append(zr.Arrays, a)
			}
		case ".zgroup":
			zr.Groups = append(zr.Groups, dir)
		}
	}
	return zr, nil
}

// summarizeZarrFile describes a Zarr metadata document selected as a
// file: zarr.json, .zarray or .zmetadata.
func summarizeZarrFile(name string, raw []byte, size int64) (*Summary, error) {
	var zr *Zarr
	var err error
	switch path.Base(name) {
	case "zarr.json":
		zr, err = zarrV3Node(raw)
	case ".zmetadata":
		zr, err = zarrConsolidatedV2(raw)
	default:
		var a ZarrArray
		if a, err = parseZarrV2Array("", raw); err == nil {
			zr = &Zarr{Version: 2, Node: "array", Array: &a}
		}
	}
	if err != nil {
		return nil, err
	}
	return &Summary{Format: FormatZarr, Size: size, Zarr: zr}, nil
}
