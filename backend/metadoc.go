package backend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// DefaultMetadataPage is the page size of metadata reads that leave
// PageRequest.Limit at zero.
const DefaultMetadataPage = 1000

// The methods below serve a SourceMetadata held in memory the way
// MetadataClient serves a stored document, for stores that keep small
// documents whole (the in-memory store, tests) and for the contract
// checks: same order, same pages, same rules.

// docView is a MetadataView over a document in memory.
type docView struct {
	doc  *SourceMetadata
	keys []string // sorted, made on first use
}

func (v *docView) Entry(path string) (ObjectMeta, bool, error) {
	m, ok := v.doc.Objects[path]
	return m, ok, nil
}

func (v *docView) Under(folder string, fn func(string, EntryType) bool) error {
	if v.keys == nil {
		v.keys = sortedKeys(v.doc.Objects)
	}
	prefix := folder + "/"
	if folder == "" {
		prefix = ""
	}
	i, _ := slices.BinarySearch(v.keys, prefix)
	for ; i < len(v.keys) && strings.HasPrefix(v.keys[i], prefix); i++ {
		if v.keys[i] == folder {
			continue
		}
		if !fn(v.keys[i], v.doc.Objects[v.keys[i]].Type) {
			break
		}
	}
	return nil
}

// View is d as the rules read it (see MetadataView).
func (d *SourceMetadata) View() MetadataView { return &docView{doc: d} }

// Apply applies batch b to d, the document of repo, as UpdateMetadata
// applies it to a stored one.
func (d *SourceMetadata) Apply(repo RepoRef, b *MetadataBatch) (MetadataResult, error) {
	if d.Objects == nil {
		d.Objects = map[string]ObjectMeta{}
	}
	plan, err := b.Plan(repo, d.View())
	if err != nil {
		return MetadataResult{}, err
	}
	for _, w := range plan.Writes {
		if w.Meta == nil {
			delete(d.Objects, w.Path)
		} else {
			d.Objects[w.Path] = *w.Meta
		}
	}
	head, headChanged := b.ApplyHead(d.Head())
	d.Extra = head.Extra
	plan.Result.Written = plan.Changed() || headChanged
	return plan.Result, nil
}

// AddBase adds the entries base gives (see MetadataBase) to d.
func (d *SourceMetadata) AddBase(ctx context.Context, base MetadataBase) error {
	if d.Objects == nil {
		d.Objects = map[string]ObjectMeta{}
	}
	return base(ctx, func(e MetadataEntry) error {
		d.Objects[e.Path] = e.Meta
		return nil
	})
}

// Walk calls fn with pages of the entries at folder and below it ("" for
// all), in byte order of paths, as MetadataClient.ReadMetadata does.
func (d *SourceMetadata) Walk(folder string, fn func(page []MetadataEntry) error) error {
	page := make([]MetadataEntry, 0, min(len(d.Objects), DefaultMetadataPage))
	for _, p := range sortedKeys(d.Objects) {
		if !Within(p, folder) {
			continue
		}
		page = append(page, MetadataEntry{Path: p, Meta: d.Objects[p]})
		if len(page) == DefaultMetadataPage {
			if err := fn(page); err != nil {
				return err
			}
			page = page[:0]
		}
	}
	if len(page) > 0 {
		return fn(page)
	}
	return nil
}

// FolderPage returns one page of the entries directly inside folder, in
// byte order of names, as MetadataClient.ReadFolderMetadata does.
func (d *SourceMetadata) FolderPage(folder string, req PageRequest) (Page[MetadataEntry], error) {
	limit := req.Limit
	if limit <= 0 {
		limit = DefaultMetadataPage
	}
	var names []string
	for p := range d.Objects {
		if ParentFolder(p) == folder && p != folder && (req.Cursor == "" || lastSegment(p) > req.Cursor) {
			names = append(names, p)
		}
	}
	slices.Sort(names)
	var page Page[MetadataEntry]
	for i, p := range names {
		if i == limit {
			page.Next = lastSegment(page.Items[len(page.Items)-1].Path)
			break
		}
		page.Items = append(page.Items, MetadataEntry{Path: p, Meta: d.Objects[p]})
	}
	return page, nil
}

// Within reports whether path p is folder or lies below it ("" holds
// everything).
func Within(p, folder string) bool {
	return folder == "" || p == folder || (len(p) > len(folder) && p[len(folder)] == '/' && strings.HasPrefix(p, folder))
}

// lastSegment is the name of p in its folder.
func lastSegment(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

// LoadMetadata reads repo's whole document into memory with one
// ReadMetadata: for small documents and tests only, since its memory
// grows with the document.
func LoadMetadata(ctx context.Context, c MetadataClient, repo RepoRef) (SourceMetadata, error) {
	doc := SourceMetadata{Objects: map[string]ObjectMeta{}}
	head, err := c.ReadMetadata(ctx, repo, "", func(page []MetadataEntry) error {
		for _, e := range page {
			doc.Objects[e.Path] = e.Meta
		}
		return nil
	})
	if err != nil {
		return SourceMetadata{}, err
	}
	doc.RepositoryID, doc.AccountID, doc.LastUpdated, doc.Extra = head.RepositoryID, head.AccountID, head.LastUpdated, head.Extra
	return doc, nil
}

// NoEntry is the error ReadObjectMetadata returns for a path the
// document of repo has no entry for: it wraps ErrNotFound.
func NoEntry(repo RepoRef, path string) error {
	return fmt.Errorf("%s/%s: %w: no entry in %s", repo, path, ErrNotFound, MetadataFileName)
}

// ViewOf is repo's document as a MetadataView read through c, one call
// per question: for plans that are worked out but not written (a dry
// run). A repository with no document is an empty one.
func ViewOf(ctx context.Context, c MetadataClient, repo RepoRef) MetadataView {
	return clientView{ctx: ctx, c: c, repo: repo}
}

type clientView struct {
	ctx  context.Context
	c    MetadataClient
	repo RepoRef
}

func (v clientView) Entry(path string) (ObjectMeta, bool, error) {
	m, err := v.c.ReadObjectMetadata(v.ctx, v.repo, path)
	switch {
	case errors.Is(err, ErrNotFound) || errors.Is(err, ErrMetadataMissing):
		return ObjectMeta{}, false, nil
	case err != nil:
		return ObjectMeta{}, false, err
	}
	return m, true, nil
}

var errEnough = errors.New("enough")

func (v clientView) Under(folder string, fn func(string, EntryType) bool) error {
	_, err := v.c.ReadMetadata(v.ctx, v.repo, folder, func(page []MetadataEntry) error {
		for _, e := range page {
			if e.Path != folder && !fn(e.Path, e.Meta.Type) {
				return errEnough
			}
		}
		return nil
	})
	if errors.Is(err, errEnough) || errors.Is(err, ErrMetadataMissing) {
		return nil
	}
	return err
}
