package aws

import (
	"bytes"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithytime "github.com/aws/smithy-go/time"
)

// lightList is the option of every ListObjectsV2 call coop makes: its
// answer is read by decodeListV2, the SDK's decoder taking over what
// that does not read, and every error answer (see lightdecode.go).
func (s *Store) lightList(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, swapDecoder(&s.bodies, func(b []byte, charged s3types.RequestCharged) (any, bool) {
		page := &s3.ListObjectsV2Output{RequestCharged: charged}
		return page, decodeListV2(b, page)
	}))
}

// listPage is what a ListObjectsV2 answer says, as spans of the arena.
type listPage struct {
	name, prefix, delimiter, encoding, token, next, startAfter span
	truncated, keyCount, maxKeys                               span
	contents                                                   []listObject
	prefixes                                                   []span // a CommonPrefixes' Prefix each
}

type listObject struct {
	key, etag, size, modified, class, checksumType span
	algorithms                                     []span
	rare                                           *rareFields // Owner, RestoreStatus: seldom sent
}

type rareFields struct {
	owner, restore                               bool
	ownerName, ownerID, restoring, restoreExpiry span
}

// decodeListV2 reads a ListObjectsV2 answer into out as the SDK's
// decoder would, or reports that it cannot (see listxml.go).
func decodeListV2(b []byte, out *s3.ListObjectsV2Output) bool {
	s := xmlScan{b: b, arena: make([]byte, 0, len(b)/2)}
	root, ok := s.root()
	if !ok || root.kind == tokEOF {
		return ok // no document: the SDK gives an empty page
	}
	var p listPage
	if !s.children(root.name, root.empty, func(n []byte, empty bool) bool { return s.pageField(&p, n, empty) }) {
		return false
	}
	return p.build(string(s.arena), out)
}

// pageField reads one element of the answer's root.
func (s *xmlScan) pageField(p *listPage, n []byte, empty bool) bool {
	var dst *span
	switch {
	case fold(n, "CommonPrefixes"):
		var prefix span
		ok := s.children(n, empty, func(c []byte, empty bool) bool {
			if fold(c, "Prefix") {
				return s.field(&prefix, c, empty)
			}
			return s.skip(c, empty)
		})
		p.prefixes = append(p.prefixes, prefix)
		return ok
	case fold(n, "Contents"):
		if p.contents == nil { // room for them all: the answer's size bounds it
			p.contents = make([]listObject, 0, bytes.Count(s.b[s.i:], []byte("<Contents"))+1)
		}
		var o listObject
		ok := s.children(n, empty, func(c []byte, empty bool) bool { return s.objectField(&o, c, empty) })
		p.contents = append(p.contents, o)
		return ok
	case fold(n, "ContinuationToken"):
		dst = &p.token
	case fold(n, "Delimiter"):
		dst = &p.delimiter
	case fold(n, "EncodingType"):
		dst = &p.encoding
	case fold(n, "IsTruncated"):
		dst = &p.truncated
	case fold(n, "KeyCount"):
		dst = &p.keyCount
	case fold(n, "MaxKeys"):
		dst = &p.maxKeys
	case fold(n, "Name"):
		dst = &p.name
	case fold(n, "NextContinuationToken"):
		dst = &p.next
	case fold(n, "Prefix"):
		dst = &p.prefix
	case fold(n, "StartAfter"):
		dst = &p.startAfter
	default:
		return s.skip(n, empty)
	}
	return s.field(dst, n, empty)
}

// objectField reads one element of a Contents.
func (s *xmlScan) objectField(o *listObject, n []byte, empty bool) bool {
	var dst *span
	switch {
	case fold(n, "ChecksumAlgorithm"):
		var a span
		ok := s.field(&a, n, empty)
		o.algorithms = append(o.algorithms, a)
		return ok
	case fold(n, "ChecksumType"):
		dst = &o.checksumType
	case fold(n, "ETag"):
		dst = &o.etag
	case fold(n, "Key"):
		dst = &o.key
	case fold(n, "LastModified"):
		dst = &o.modified
	case fold(n, "Owner"):
		r := o.rareFields()
		r.owner = true
		return s.children(n, empty, func(c []byte, empty bool) bool {
			switch {
			case fold(c, "DisplayName"):
				return s.field(&r.ownerName, c, empty)
			case fold(c, "ID"):
				return s.field(&r.ownerID, c, empty)
			}
			return s.skip(c, empty)
		})
	case fold(n, "RestoreStatus"):
		r := o.rareFields()
		r.restore = true
		return s.children(n, empty, func(c []byte, empty bool) bool {
			switch {
			case fold(c, "IsRestoreInProgress"):
				return s.field(&r.restoring, c, empty)
			case fold(c, "RestoreExpiryDate"):
				return s.field(&r.restoreExpiry, c, empty)
			}
			return s.skip(c, empty)
		})
	case fold(n, "Size"):
		dst = &o.size
	case fold(n, "StorageClass"):
		dst = &o.class
	default:
		return s.skip(n, empty)
	}
	return s.field(dst, n, empty)
}

func (o *listObject) rareFields() *rareFields {
	if o.rare == nil {
		o.rare = &rareFields{}
	}
	return o.rare
}

// field reads a value into dst; a value given twice keeps the last.
func (s *xmlScan) field(dst *span, n []byte, empty bool) bool {
	v, ok := s.value(n, empty)
	*dst = v
	return ok
}

// fold is strings.EqualFold for the ASCII names xmlScan reads.
func fold(n []byte, name string) bool {
	if len(n) != len(name) {
		return false
	}
	for i := range n {
		if a, b := n[i], name[i]; a != b && (a|0x20 != b|0x20 || a|0x20 < 'a' || a|0x20 > 'z') {
			return false
		}
	}
	return true
}

// slab hands out pointers to values, allocating them a chunk at a time.
type slab[T any] struct{ buf []T }

func (s *slab[T]) put(v T) *T {
	if len(s.buf) == cap(s.buf) {
		s.buf = make([]T, 0, 256)
	}
	s.buf = append(s.buf, v)
	return &s.buf[len(s.buf)-1]
}

// pageBuilder turns spans into the SDK's values: strings share one
// string of all the page's decoded text; a value the SDK would refuse
// makes ok false.
type pageBuilder struct {
	text  string
	strs  slab[string]
	ints  slab[int64]
	times slab[time.Time]
	ok    bool
}

func (b *pageBuilder) str(v span) *string {
	if !v.set {
		return nil
	}
	return b.strs.put(b.text[v.lo:v.hi])
}

func (b *pageBuilder) raw(v span) string { return b.text[v.lo:v.hi] }

func (b *pageBuilder) int64(v span) *int64 {
	if !v.set {
		return nil
	}
	n, err := strconv.ParseInt(b.raw(v), 10, 64)
	b.ok = b.ok && err == nil
	return b.ints.put(n)
}

func (b *pageBuilder) int32(v span) *int32 {
	if !v.set {
		return nil
	}
	n, err := strconv.ParseInt(b.raw(v), 10, 64)
	b.ok = b.ok && err == nil
	return ptr(int32(n))
}

func (b *pageBuilder) bool(v span) *bool {
	if !v.set {
		return nil
	}
	t, err := strconv.ParseBool(b.raw(v))
	b.ok = b.ok && err == nil
	return ptr(t)
}

func (b *pageBuilder) time(v span) *time.Time {
	if !v.set {
		return nil
	}
	t, err := smithytime.ParseDateTime(b.raw(v))
	b.ok = b.ok && err == nil
	return b.times.put(t)
}

// build fills out from p.
func (p *listPage) build(text string, out *s3.ListObjectsV2Output) bool {
	b := pageBuilder{text: text, ok: true}
	out.Name, out.Prefix, out.Delimiter = b.str(p.name), b.str(p.prefix), b.str(p.delimiter)
	out.ContinuationToken, out.NextContinuationToken, out.StartAfter = b.str(p.token), b.str(p.next), b.str(p.startAfter)
	if p.encoding.set {
		out.EncodingType = s3types.EncodingType(b.raw(p.encoding))
	}
	out.IsTruncated, out.KeyCount, out.MaxKeys = b.bool(p.truncated), b.int32(p.keyCount), b.int32(p.maxKeys)
	if p.prefixes != nil {
		out.CommonPrefixes = make([]s3types.CommonPrefix, len(p.prefixes))
		for i, v := range p.prefixes {
			out.CommonPrefixes[i].Prefix = b.str(v)
		}
	}
	if p.contents != nil {
		out.Contents = make([]s3types.Object, len(p.contents))
	}
	for i := range p.contents {
		o, dst := &p.contents[i], &out.Contents[i]
		dst.Key, dst.ETag, dst.Size, dst.LastModified = b.str(o.key), b.str(o.etag), b.int64(o.size), b.time(o.modified)
		if o.class.set {
			dst.StorageClass = s3types.ObjectStorageClass(b.raw(o.class))
		}
		if o.checksumType.set {
			dst.ChecksumType = s3types.ChecksumType(b.raw(o.checksumType))
		}
		if o.algorithms != nil {
			dst.ChecksumAlgorithm = make([]s3types.ChecksumAlgorithm, len(o.algorithms))
			for k, a := range o.algorithms {
				dst.ChecksumAlgorithm[k] = s3types.ChecksumAlgorithm(b.raw(a))
			}
		}
		if r := o.rare; r != nil && r.owner {
			dst.Owner = &s3types.Owner{DisplayName: b.str(r.ownerName), ID: b.str(r.ownerID)}
		}
		if r := o.rare; r != nil && r.restore {
			dst.RestoreStatus = &s3types.RestoreStatus{IsRestoreInProgress: b.bool(r.restoring), RestoreExpiryDate: b.time(r.restoreExpiry)}
		}
	}
	return b.ok
}
