package aws

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/metaindex"
)

// A walk of many keys is split into parts listed at once: ListObjectsV2
// pages follow each other by continuation token, so one listing of
// 10,000 keys waits for 10 round trips one after another. The parts are
// split at paths of the repository's metadata index (the version this
// process has open, or the one last indexed on this machine, looked at
// without a request): each part is listed from after its lower bound
// (StartAfter) up to the first key past its upper bound, so every key S3
// has is listed, those the index does not know included, whatever the
// index's age. A part holds at most walkPartBlocks blocks of the index
// (960 entries), so it mostly fits one page.
const (
	walkPartBlocks = 15
	// walkParts is how many parts are listed at once; it bounds the
	// pages held (each part's page handed over and its next one on the
	// way: 2 × walkParts pages of ≤ 1,000 keys).
	walkParts = 16
)

// walkSplit sets a walk's part and page sizes; zero fields are the
// defaults (walkPartBlocks, MaxListLimit).
type walkSplit struct {
	partBlocks int
	pageKeys   int32
}

// walkPart is a range of keys: after after (all from the start if ""), up
// to and with upto (to the end if "").
type walkPart struct{ after, upto string }

// listedPage is one page of a part, or the error that ended it.
type listedPage struct {
	page  []backend.Entry
	found bool // the page held keys of the part
	err   error
}

// WalkObjects lists every key under folder with ListObjectsV2 and no
// delimiter, a page of up to 1,000 keys per request, in byte order of the
// keys. Folder markers ("name/") come as folder entries, so deleting what
// the walk gives removes the folder too.
func (s *Store) WalkObjects(ctx context.Context, repo backend.RepoRef, folder string, fn func([]backend.Entry) error) error {
	if err := backend.ValidateRef(repo); err != nil {
		return err
	}
	folder, err := backend.CleanFolder(folder)
	if err != nil {
		return err
	}
	base := repoPrefix(repo)
	rel := ""
	if folder != "" {
		rel = folder + "/"
	}
	prefix := base + rel
	op := "walk " + repo.String() + "/" + folder
	parts := []walkPart{{}}
	if b := s.walkBounds(repo, rel); len(b) > 0 {
		parts = make([]walkPart, 0, len(b)+1)
		after := ""
		for _, p := range b {
			parts = append(parts, walkPart{after: after, upto: base + p})
			after = base + p
		}
		parts = append(parts, walkPart{after: after})
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	// The parts start in order, walkParts at a time, and their pages go
	// to fn in order: the walk gives what one listing would.
	pages := make([]chan listedPage, len(parts))
	for i := range pages {
		pages[i] = make(chan listedPage, 1)
	}
	go func() {
		sem := make(chan struct{}, walkParts)
		for i, p := range parts {
			select {
			case sem <- struct{}{}:
			case <-wctx.Done():
				return
			}
			go func() {
				defer func() { <-sem }()
				s.listPart(wctx, op, base, prefix, p, pages[i])
			}()
		}
	}()
	seen := false
	for i := range parts {
		for r := range pages[i] {
			if r.err != nil {
				return r.err
			}
			seen = seen || r.found
			if len(r.page) > 0 {
				if err := fn(r.page); err != nil {
					return err
				}
			}
		}
		if err := wctx.Err(); err != nil {
			return err // the part was cut off
		}
	}
	if !seen && folder != "" {
		return fmt.Errorf("%s: folder %q: %w", op, folder, backend.ErrNotFound)
	}
	return nil
}

// walkBounds are the paths under rel at which a walk is split (see
// metaindex.Version.Bounds), from the index this process has open, else
// the one last built in the cache folder; none if there is neither.
func (s *Store) walkBounds(repo backend.RepoRef, rel string) []string {
	every := walkPartBlocks
	if s.walkSplit.partBlocks > 0 {
		every = s.walkSplit.partBlocks
	}
	dir := s.indexDir(repo)
	if h := s.versions.Current(dir); h != nil {
		defer h.Release()
		return h.Bounds(rel, every)
	}
	return metaindex.LatestBounds(dir, rel, every)
}

// listPart lists the keys of part p into out, a page per answer, and
// closes out. The next page is asked for as soon as an answer names it,
// before the page is taken from out: a part of many pages then waits one
// round trip per page, not a round trip and its caller's time.
func (s *Store) listPart(ctx context.Context, op, base, prefix string, p walkPart, out chan<- listedPage) {
	defer close(out)
	send := func(r listedPage) bool {
		select {
		case out <- r:
			return true
		case <-ctx.Done():
			return false
		}
	}
	var token *string
	last := p.after
	pageKeys := int32(MaxListLimit)
	if s.walkSplit.pageKeys > 0 {
		pageKeys = s.walkSplit.pageKeys
	}
	for {
		in := &s3.ListObjectsV2Input{
			Bucket: &s.cfg.Bucket, Prefix: &prefix, ContinuationToken: token,
			MaxKeys: &pageKeys, EncodingType: s3types.EncodingTypeUrl,
		}
		if token == nil && p.after != "" {
			in.StartAfter = &p.after
		}
		lctx, cancel := s.opContext(ctx)
		res, err := s.listObjects(lctx, in)
		if err != nil {
			err = s.s3Error(lctx, op, err)
		}
		cancel()
		if err != nil {
			send(listedPage{err: err})
			return
		}
		encoded := res.EncodingType == s3types.EncodingTypeUrl
		r := listedPage{page: make([]backend.Entry, 0, len(res.Contents))}
		done := false
		for _, o := range res.Contents {
			key := deref(o.Key, "")
			if encoded {
				key = unescapeKey(key)
			}
			if p.upto != "" && key > p.upto {
				done = true // the next part's
				break
			}
			if key <= p.after {
				continue // an earlier part's: a server that ignores StartAfter
			}
			if key <= last {
				// Parts are only whole if S3 lists in byte order, as it
				// says it does.
				send(listedPage{err: fmt.Errorf("%s: the listing is not in byte order of keys (%q after %q)", op, key, last)})
				return
			}
			last = key
			r.found = true
			if e, ok := walkEntry(strings.TrimPrefix(key, base), deref(o.Size, 0)); ok {
				if o.LastModified != nil {
					e.ModTime = o.LastModified.UTC()
				}
				r.page = append(r.page, e)
			}
		}
		if !send(r) {
			return
		}
		if done || !deref(res.IsTruncated, false) || deref(res.NextContinuationToken, "") == "" {
			return
		}
		token = res.NextContinuationToken
	}
}

// walkEntry turns a key relative to the repository into an entry; ok is
// false for the metadata file and keys no path can address.
func walkEntry(rel string, size int64) (backend.Entry, bool) {
	if rel == backend.MetadataFileName {
		return backend.Entry{}, false
	}
	typ := backend.TypeFile
	if strings.HasSuffix(rel, "/") {
		typ, rel, size = backend.TypeDirectory, strings.TrimSuffix(rel, "/"), 0
	}
	if rel == "" || backend.ValidateReadPath(rel, false) != nil {
		return backend.Entry{}, false
	}
	name := rel[strings.LastIndexByte(rel, '/')+1:]
	return backend.Entry{Name: name, Path: rel, Type: typ, Size: size}, true
}
