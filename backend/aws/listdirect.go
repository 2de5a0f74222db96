package aws

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"unicode/utf8"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/encoding/httpbinding"
)

// ListObjectsV2 and DeleteObjects — every request of a recursive delete,
// and the listings of ls and of folder downloads — are signed and sent
// by the store itself when it can (see direct), as the SDK would send
// them with the same input: their pipeline (endpoint rules, the XML
// encoder of a batch's 1,000 keys, checksum set-up…) was a fifth of the
// CPU of `rm -r` of 10,000 objects. The answers are read by the light
// decoders (listdecode.go, deletedecode.go); an answer they do not read,
// or an error S3 sends with a 200, goes to the SDK's own decoder as it
// came (see replay), so that results and errors are the SDK's either
// way. A store whose direct path is off sends them through the SDK.

// listObjects sends one ListObjectsV2 request. The direct path lists the
// store's own bucket only; a listing of another goes through the SDK.
func (s *Store) listObjects(ctx context.Context, in *s3.ListObjectsV2Input) (*s3.ListObjectsV2Output, error) {
	if s.direct.active() && plainList(in) && sdkaws.ToString(in.Bucket) == s.cfg.Bucket {
		out, err := s.listDirect(ctx, in)
		if directAnswered(err) {
			return out, s.bucketAnswer(ctx, err)
		}
	}
	return s.s3.ListObjectsV2(ctx, in, s.lightList)
}

// plainList reports whether in asks only for what listDirect sends.
func plainList(in *s3.ListObjectsV2Input) bool {
	return in.ExpectedBucketOwner == nil && in.RequestPayer == "" && len(in.OptionalObjectAttributes) == 0
}

// listQuery is in's query as SigV4 wants it: keys sorted, values
// escaped (every byte but the unreserved ones).
func listQuery(in *s3.ListObjectsV2Input) string {
	var b []byte
	add := func(k, v string) {
		if len(b) > 0 {
			b = append(b, '&')
		}
		b = append(b, k...)
		b = append(b, '=')
		b = append(b, httpbinding.EscapePath(v, true)...)
	}
	if in.ContinuationToken != nil {
		add("continuation-token", *in.ContinuationToken)
	}
	if in.Delimiter != nil {
		add("delimiter", *in.Delimiter)
	}
	if in.EncodingType != "" {
		add("encoding-type", string(in.EncodingType))
	}
	if in.FetchOwner != nil {
		add("fetch-owner", strconv.FormatBool(*in.FetchOwner))
	}
	add("list-type", "2")
	if in.MaxKeys != nil {
		add("max-keys", strconv.FormatInt(int64(*in.MaxKeys), 10))
	}
	if in.Prefix != nil {
		add("prefix", *in.Prefix)
	}
	if in.StartAfter != nil {
		add("start-after", *in.StartAfter)
	}
	return string(b)
}

// listDirect is listObjects' request, sent by the store.
func (s *Store) listDirect(ctx context.Context, in *s3.ListObjectsV2Input) (*s3.ListObjectsV2Output, error) {
	u := s.direct.objectURL("", listQuery(in)).String()
	resp, err := s.direct.do(ctx, request{
		op:          "ListObjectsV2",
		payloadHash: emptySHA256,
		build: func(ctx context.Context) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, u, http.NoBody)
		},
	})
	if err != nil {
		return nil, err
	}
	out := &s3.ListObjectsV2Output{RequestCharged: charged(resp)}
	if s.readAnswer(resp, func(b []byte) bool { return decodeListV2(b, out) }) {
		return out, nil
	}
	return s.s3.ListObjectsV2(ctx, in, replay(resp))
}

// deleteDirect is a DeleteObjects of keys in quiet mode, sent by the
// store: its XML body is written into a buffer of the store's pool, as
// the SDK's encoder writes it, with the body's CRC-32 as the SDK sends
// it (S3 refuses a DeleteObjects without a checksum).
func (s *Store) deleteDirect(ctx context.Context, keys deleteKeys) (*s3.DeleteObjectsOutput, error) {
	body, lease := s.deleteBody(keys)
	defer lease.release()
	sum := sha256.Sum256(body)
	var crc [4]byte
	binary.BigEndian.PutUint32(crc[:], crc32.ChecksumIEEE(body))
	checksum := base64.StdEncoding.EncodeToString(crc[:])
	u := s.direct.objectURL("", "delete=").String()
	resp, err := s.direct.do(ctx, request{
		op:          "DeleteObjects",
		payloadHash: hex.EncodeToString(sum[:]),
		build: func(ctx context.Context) (*http.Request, error) {
			r, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
			if err != nil {
				return nil, err
			}
			setBody(r, body, lease)
			r.Header.Set("Content-Type", "application/xml")
			r.Header.Set("X-Amz-Checksum-Crc32", checksum)
			return r, nil
		},
	})
	if err != nil {
		return nil, err
	}
	// The answer's deleted keys are not read: DeleteObjects reads only
	// the refused ones (see decodeDeleteObjects).
	out := &s3.DeleteObjectsOutput{RequestCharged: charged(resp)}
	if s.readAnswer(resp, func(b []byte) bool { return decodeDeleteObjects(b, out, false) }) {
		return out, nil
	}
	return s.s3.DeleteObjects(ctx, deleteInput(&s.cfg.Bucket, keys.all()), replay(resp))
}

// deleteInput is the SDK's input of deleteDirect's request.
func deleteInput(bucket *string, keys []string) *s3.DeleteObjectsInput {
	ids := make([]s3types.ObjectIdentifier, len(keys))
	for i := range keys {
		ids[i] = s3types.ObjectIdentifier{Key: &keys[i]}
	}
	return &s3.DeleteObjectsInput{Bucket: bucket, Delete: &s3types.Delete{Objects: ids, Quiet: ptr(true)}}
}

const (
	deleteOpen  = `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`
	deleteClose = `<Quiet>true</Quiet></Delete>`
)

// deleteBody writes the XML of a quiet DeleteObjects of keys into a
// buffer of the pool, lent until every request body made of it is
// closed (see bodyLease).
func (s *Store) deleteBody(keys deleteKeys) ([]byte, *bodyLease) {
	// The prefix is escaped once, unless it could end in a part of a
	// character that a path completes.
	prefix, whole := []byte(nil), utf8.ValidString(keys.prefix)
	if whole {
		prefix = appendXMLEscaped(nil, keys.prefix)
	}
	n := len(deleteOpen) + len(deleteClose)
	for _, e := range keys.entries {
		n += len("<Object><Key>/</Key></Object>") + len(prefix) + xmlEscapedLen(e.Path)
		if !whole {
			n += xmlEscapedLen(keys.prefix + e.Path)
		}
	}
	buf := s.bodies.get(int64(n))[:0]
	buf = append(buf, deleteOpen...)
	for _, e := range keys.entries {
		buf = append(buf, "<Object><Key>"...)
		if whole {
			buf = append(buf, prefix...)
			buf = appendXMLEscaped(buf, e.Path)
		} else {
			buf = appendXMLEscaped(buf, keys.prefix+e.Path)
		}
		if e.IsDir() && e.Path != "" {
			buf = append(buf, '/')
		}
		buf = append(buf, "</Key></Object>"...)
	}
	buf = append(buf, deleteClose...)
	return buf, lend(buf, s.bodies.put)
}

// xmlEscape is how the SDK's XML encoder writes each character it
// escapes in a value.
func xmlEscape(r rune, width int) (string, bool) {
	switch r {
	case '"':
		return "&#34;", true
	case '\'':
		return "&#39;", true
	case '&':
		return "&amp;", true
	case '<':
		return "&lt;", true
	case '>':
		return "&gt;", true
	case '\t':
		return "&#x9;", true
	case '\n':
		return "&#xA;", true
	case '\r':
		return "&#xD;", true
	case '\u0085':
		return "&#x85;", true
	case '\u2028':
		return "&#x2028;", true
	}
	if !inCharRange(r) || (r == utf8.RuneError && width == 1) {
		return "\uFFFD", true
	}
	return "", false
}

// appendXMLEscaped appends v as the SDK's XML encoder writes a value.
func appendXMLEscaped(b []byte, v string) []byte {
	last := 0
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf && c >= 0x20 && c != '"' && c != '\'' && c != '&' && c != '<' && c != '>' {
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(v[i:])
		esc, ok := xmlEscape(r, w)
		i += w
		if !ok {
			continue
		}
		b = append(b, v[last:i-w]...)
		b = append(b, esc...)
		last = i
	}
	return append(b, v[last:]...)
}

// xmlEscapedLen is the length of v as appendXMLEscaped writes it.
func xmlEscapedLen(v string) int {
	n := 0
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf && c >= 0x20 && c != '"' && c != '\'' && c != '&' && c != '<' && c != '>' {
			i++
			n++
			continue
		}
		r, w := utf8.DecodeRuneInString(v[i:])
		i += w
		if esc, ok := xmlEscape(r, w); ok {
			n += len(esc)
		} else {
			n += w
		}
	}
	return n
}

// charged is the answer's x-amz-request-charged, as the SDK reads it.
func charged(resp *http.Response) s3types.RequestCharged {
	if v := resp.Header.Values("X-Amz-Request-Charged"); len(v) != 0 {
		return s3types.RequestCharged(string(bytes.TrimSpace([]byte(v[0]))))
	}
	return ""
}

// readAnswer reads a direct request's 2xx answer and decodes it with
// decode, into the store's buffers. It reports false, with resp's body
// set to read the answer again from its start, when the answer is one
// the SDK must read: an error S3 sent with a 200 (an <Error> root, which
// the SDK reads as a 500), or one decode cannot read.
func (s *Store) readAnswer(resp *http.Response, decode func([]byte) bool) bool {
	d := lightDecoder{pool: &s.bodies}
	body := resp.Body
	data, pooled, whole, rerr := d.read(body, resp.ContentLength)
	if whole && !errorRoot(data) && decode(data) {
		_ = body.Close() // read to its end: the connection is reused
		if pooled {
			s.bodies.put(data) // the result holds copies of what it needs
		}
		return true
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(data), failed{rerr}, body), body}
	return false
}

// errorRoot reports whether an answer's root element is an <Error>.
func errorRoot(b []byte) bool {
	s := xmlScan{b: b}
	root, ok := s.root()
	return ok && root.kind == tokStart && fold(root.name, "Error")
}

// replay is the option of an SDK call that reads resp, an answer already
// received, as its first attempt's; an attempt after it (the SDK retries
// an error sent with a 200) goes to the client's transport.
func replay(resp *http.Response) func(*s3.Options) {
	return func(o *s3.Options) {
		o.HTTPClient = &replayClient{resp: resp, next: o.HTTPClient}
	}
}

type replayClient struct {
	resp *http.Response
	next s3.HTTPClient
}

func (c *replayClient) Do(r *http.Request) (*http.Response, error) {
	if resp := c.resp; resp != nil {
		c.resp = nil
		if r.Body != nil {
			_ = r.Body.Close()
		}
		resp.Request = r
		return resp, nil
	}
	return c.next.Do(r)
}
