package aws

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithytime "github.com/aws/smithy-go/time"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// lightList is the option of every ListObjectsV2 call coop makes: its
// answer is read by decodeListV2 (see listxml.go), the SDK's decoder
// taking over what that does not read, and every error answer.
func lightList(o *s3.Options) { o.APIOptions = append(o.APIOptions, swapListDecoder) }

func swapListDecoder(stack *middleware.Stack) error {
	d := &listDecoder{}
	sdk, err := stack.Deserialize.Swap("OperationDeserializer", d)
	d.sdk = sdk
	return err
}

// maxListAnswer is the most of an answer read into memory to decode it
// (a page of 1,000 keys of 1,024 bytes, URL-encoded, is under 10 MiB);
// a longer one is decoded by the SDK as it streams.
const maxListAnswer = 16 << 20

// listDecoder is the ListObjectsV2 answer's deserializer.
type listDecoder struct {
	sdk middleware.DeserializeMiddleware
}

func (*listDecoder) ID() string { return "OperationDeserializer" }

func (d *listDecoder) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if err != nil || !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return d.sdk.HandleDeserialize(ctx, in, answered{out, md, err})
	}
	body := resp.Body
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= maxListAnswer {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, rerr := buf.ReadFrom(io.LimitReader(body, maxListAnswer+1))
	if rerr == nil && buf.Len() <= maxListAnswer {
		var page s3.ListObjectsV2Output
		if decodeListV2(buf.Bytes(), &page) {
			_ = body.Close() // read to its end: the connection is reused
			if v := resp.Header.Values("x-amz-request-charged"); len(v) != 0 {
				page.RequestCharged = s3types.RequestCharged(strings.TrimSpace(v[0]))
			}
			out.Result = &page
			return out, md, nil
		}
	}
	// The SDK reads the answer again, then what is left of it (and the
	// error that cut it short).
	rest := io.MultiReader(bytes.NewReader(buf.Bytes()), failed{rerr}, body)
	resp.Body = struct {
		io.Reader
		io.Closer
	}{rest, body}
	return d.sdk.HandleDeserialize(ctx, in, answered{out, md, nil})
}

// failed reads as err, or as nothing if err is nil.
type failed struct{ err error }

func (f failed) Read([]byte) (int, error) {
	if f.err == nil {
		return 0, io.EOF
	}
	return 0, f.err
}

// answered hands the SDK's deserializer an answer already received.
type answered struct {
	out middleware.DeserializeOutput
	md  middleware.Metadata
	err error
}

func (a answered) HandleDeserialize(context.Context, middleware.DeserializeInput) (middleware.DeserializeOutput, middleware.Metadata, error) {
	return a.out, a.md, a.err
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
	s.skipSpace()
	if bytes.HasPrefix(b[s.i:], []byte("<?")) {
		if !s.declaration() {
			return false
		}
		s.skipSpace()
	}
	if s.i == len(b) {
		return true // no document: the SDK gives an empty page
	}
	root := s.next()
	if root.kind != tokStart {
		return false
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
