package aws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/coopterm/coop/backend"
)

// canned answers every request with one HTTP answer: status, body, and
// an error after the body if cut is set.
type canned struct {
	status int
	body   []byte
	cut    error
}

func (c canned) Do(r *http.Request) (*http.Response, error) {
	var body io.Reader = bytes.NewReader(c.body)
	if c.cut != nil {
		body = io.MultiReader(body, failed{c.cut})
	}
	return &http.Response{
		StatusCode: c.status, Status: http.StatusText(c.status), Request: r,
		Header:        http.Header{"Content-Type": {"application/xml"}, "X-Amz-Request-Id": {"req1"}},
		ContentLength: int64(len(c.body)), Body: io.NopCloser(body),
	}, nil
}

// offlineClient is an S3 client that gets the canned answer, tries once.
func offlineClient(c canned) *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: sdkaws.String("http://127.0.0.1:9"), UsePathStyle: true,
		Credentials: sdkaws.AnonymousCredentials{}, HTTPClient: c, Retryer: sdkaws.NopRetryer{},
	})
}

// listBoth lists through the SDK's decoder and through coop's, on the
// same answer, and fails t if they differ in result or error.
func listBoth(t testing.TB, c canned) (*s3.ListObjectsV2Output, error) {
	t.Helper()
	cl := offlineClient(c)
	in := &s3.ListObjectsV2Input{Bucket: sdkaws.String("b"), Prefix: sdkaws.String("a/")}
	want, werr := cl.ListObjectsV2(context.Background(), in)
	got, gerr := cl.ListObjectsV2(context.Background(), in, (&Store{}).lightList)
	if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
		t.Fatalf("errors differ:\nSDK:  %v\ncoop: %v", werr, gerr)
	}
	if werr != nil {
		return nil, gerr
	}
	want.ResultMetadata, got.ResultMetadata = middleware.Metadata{}, middleware.Metadata{}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("pages differ:\nSDK:  %s\ncoop: %s", dumpPage(want), dumpPage(got))
	}
	return got, nil
}

func dumpPage(p *s3.ListObjectsV2Output) string {
	var b strings.Builder
	s := func(v *string) string {
		if v == nil {
			return "nil"
		}
		return fmt.Sprintf("%q", *v)
	}
	fmt.Fprintf(&b, "name %s prefix %s delim %s enc %q token %s next %s after %s trunc %v keys %v max %v charged %q\n",
		s(p.Name), s(p.Prefix), s(p.Delimiter), p.EncodingType, s(p.ContinuationToken), s(p.NextContinuationToken), s(p.StartAfter),
		p.IsTruncated != nil && *p.IsTruncated, p.KeyCount != nil, p.MaxKeys != nil, p.RequestCharged)
	for _, cp := range p.CommonPrefixes {
		fmt.Fprintf(&b, "  prefix %s\n", s(cp.Prefix))
	}
	for _, o := range p.Contents {
		fmt.Fprintf(&b, "  key %s etag %s size %v mod %v class %q %q %q owner %v restore %v\n", s(o.Key), s(o.ETag),
			o.Size != nil, o.LastModified, o.StorageClass, o.ChecksumType, o.ChecksumAlgorithm, o.Owner != nil, o.RestoreStatus != nil)
	}
	return b.String()
}

const (
	xmlHead = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
	s3Root  = `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`
)

// pageXML is an answer of n keys under a/ as S3 writes one.
func pageXML(n int, truncated bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s%s<Name>b</Name><Prefix>a/</Prefix><KeyCount>%d</KeyCount><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>%v</IsTruncated>",
		xmlHead, s3Root, n, truncated)
	if truncated {
		b.WriteString("<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>")
	}
	for i := range n {
		fmt.Fprintf(&b, `<Contents><Key>a/d%05d</Key><LastModified>2026-12-05T06:%02d:%02d.000Z</LastModified><ETag>&quot;%032x&quot;</ETag><Size>%d</Size><StorageClass>STANDARD</StorageClass></Contents>`,
			i, i/60%60, i%60, i*7919, 16+i)
	}
	b.WriteString("</ListBucketResult>")
	return b.Bytes()
}

// plainAnswers are answers coop's decoder reads itself; each reads as
// the SDK reads it.
var plainAnswers = map[string]string{
	"S3's":             string(pageXML(3, true)),
	"empty":            xmlHead + s3Root + `<Name>b</Name><Prefix>a/</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`,
	"no body":          "",
	"only head":        xmlHead + "  \n",
	"empty root":       xmlHead + `<ListBucketResult/>`,
	"indented":         xmlHead + s3Root + "\n  <Name>b</Name>\n  <IsTruncated>false</IsTruncated>\n  <Contents>\n    <Key>a/x y</Key>\n    <Size>3</Size>\n  </Contents>\n</ListBucketResult>\n",
	"escapes":          s3Root + `<Contents><Key>a/&lt;b&gt; &amp; &apos;c&apos; &quot;d&quot; &#233;&#xE9;&#x1F600;&#65;&#xd800;</Key><Size>1</Size></Contents></ListBucketResult>`,
	"unicode":          s3Root + "<Contents><Key>a/été/日本語/😀\t.csv</Key><Size>1</Size></Contents></ListBucketResult>",
	"prefixes":         s3Root + `<Delimiter>/</Delimiter><CommonPrefixes><Prefix>a/x/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>a/y%2F/</Prefix><Prefix>a/z/</Prefix></CommonPrefixes><CommonPrefixes/><CommonPrefixes><Other/></CommonPrefixes></ListBucketResult>`,
	"extra elements":   s3Root + `<Contents><Key>a/k</Key><Owner><ID>o1</ID><DisplayName>me</DisplayName><Other>x</Other></Owner><RestoreStatus><IsRestoreInProgress>true</IsRestoreInProgress><RestoreExpiryDate>2026-01-02T03:04:05Z</RestoreExpiryDate></RestoreStatus><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumAlgorithm>SHA256</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><Unknown a="1"><Deep><Deeper>t</Deeper></Deep></Unknown><Size>0</Size></Contents><ServerSpecific>x<y/>z</ServerSpecific></ListBucketResult>`,
	"case and repeats": s3Root + `<isTRUNCATED>1</isTRUNCATED><KEYCOUNT>2</KEYCOUNT><contents><key>a/1</key><key>a/2</key><size>5</size><Owner><ID>x</ID></Owner><Owner><DisplayName>y</DisplayName></Owner></contents><Contents/><Contents></Contents></ListBucketResult>`,
	"empty values":     s3Root + `<Name/><Prefix></Prefix><StartAfter>a/0</StartAfter><ContinuationToken>t</ContinuationToken><Contents><Key/><ETag></ETag></Contents></ListBucketResult>`,
	"other root":       `<Whatever a='1' b="2"><Contents><Key>a/k</Key></Contents></Whatever>trailing <junk`,
	"text between":     s3Root + `stray text<Name>b</Name>more&amp;</ListBucketResult>`,
	"cr reference":     s3Root + "<Contents><Key>a/k&#13;</Key></Contents></ListBucketResult>",
	"big key count":    s3Root + `<KeyCount>4294967297</KeyCount></ListBucketResult>`,
}

// oddAnswers are answers coop's decoder leaves to the SDK's, which
// reads them or fails; either way both read alike.
var oddAnswers = map[string]string{
	"comment":        s3Root + `<!-- c --><Contents><Key>a/k</Key></Contents></ListBucketResult>`,
	"comment in key": s3Root + `<Contents><Key>a/<!-- c -->k</Key></Contents></ListBucketResult>`,
	"cdata":          s3Root + `<Contents><Key><![CDATA[a/<k>]]></Key></Contents></ListBucketResult>`,
	"doctype":        `<!DOCTYPE x [<!ENTITY e "v">]>` + s3Root + `<Contents><Key>a/&e;</Key></Contents></ListBucketResult>`,
	"prefixed":       `<s3:ListBucketResult xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"><s3:Contents><s3:Key>a/k</s3:Key></s3:Contents></s3:ListBucketResult>`,
	"crlf":           s3Root + "<Contents><Key>a/k\r\nl\rm</Key></Contents></ListBucketResult>",
	"truncated":      string(pageXML(3, true)[:300]),
	"truncated tag":  s3Root + `<Contents><Key>a/k</Key></Cont`,
	"unclosed":       s3Root + `<Contents><Key>a/k</Key></Contents>`,
	"mismatched":     s3Root + `<Contents><Key>a/k</Size></Contents></ListBucketResult>`,
	"bad entity":     s3Root + `<Contents><Key>a/&nbsp;</Key></Contents></ListBucketResult>`,
	"bad char ref":   s3Root + `<Contents><Key>a/&#0;&#x110000;</Key></Contents></ListBucketResult>`,
	"no semicolon":   s3Root + `<Contents><Key>a/&amp</Key></Contents></ListBucketResult>`,
	"control":        s3Root + "<Contents><Key>a/\x01</Key></Contents></ListBucketResult>",
	"bad utf-8":      s3Root + "<Contents><Key>a/\xff</Key></Contents></ListBucketResult>",
	"cdata end":      s3Root + `<Contents><Key>a/]]></Key></Contents></ListBucketResult>`,
	"bad size":       s3Root + `<Contents><Key>a/k</Key><Size>12a</Size></Contents></ListBucketResult>`,
	"bad time":       s3Root + `<Contents><Key>a/k</Key><LastModified>yesterday</LastModified></Contents></ListBucketResult>`,
	"bad bool":       s3Root + `<IsTruncated>maybe</IsTruncated></ListBucketResult>`,
	"element in key": s3Root + `<Contents><Key>a/<b/></Key></Contents></ListBucketResult>`,
	"latin-1":        `<?xml version="1.0" encoding="ISO-8859-1"?>` + s3Root + `</ListBucketResult>`,
	"version 1.1":    `<?xml version="1.1"?>` + s3Root + `</ListBucketResult>`,
	"text first":     `hello` + s3Root + `</ListBucketResult>`,
	"attr spacing":   `<ListBucketResult a = "1"></ListBucketResult>`,
	"unicode name":   s3Root + `<Contents><Kéy>a/k</Kéy></Contents></ListBucketResult>`,
	"not xml":        `{"Contents": []}`,
	"lone lt":        `<`,
	"stray end":      `</ListBucketResult>`,
}

func TestListDecoderReadsAsTheSDK(t *testing.T) {
	for name, body := range plainAnswers {
		t.Run(name, func(t *testing.T) {
			var page s3.ListObjectsV2Output
			if !decodeListV2([]byte(body), &page) {
				t.Fatal("coop's decoder left a plain answer to the SDK")
			}
			if _, err := listBoth(t, canned{status: 200, body: []byte(body)}); err != nil {
				t.Fatalf("a plain answer failed: %v", err)
			}
		})
	}
	for name, body := range oddAnswers {
		t.Run(name, func(t *testing.T) {
			var page s3.ListObjectsV2Output
			if decodeListV2([]byte(body), &page) {
				t.Fatal("coop's decoder read an answer outside what it reads")
			}
			_, _ = listBoth(t, canned{status: 200, body: []byte(body)})
		})
	}
}

func TestListDecoderKeepsTheSDKsErrors(t *testing.T) {
	for _, c := range []canned{
		{status: 403, body: []byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>r</RequestId></Error>`)},
		{status: 404, body: []byte(`<Error><Code>NoSuchBucket</Code><Message>no bucket</Message><BucketName>b</BucketName></Error>`)},
		{status: 503, body: []byte(`<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>`)},
		{status: 500, body: nil},
		{status: 200, body: pageXML(5, false)[:400], cut: errors.New("connection reset by peer")},
		{status: 200, body: pageXML(5, false), cut: errors.New("connection reset after the end")},
	} {
		_, err := listBoth(t, c)
		if err == nil && c.cut == nil {
			t.Errorf("status %d: no error", c.status)
		}
	}
	// A 404 still tells the bucket is missing.
	_, err := listBoth(t, canned{status: 404, body: []byte(`<Error><Code>NoSuchBucket</Code><Message>m</Message></Error>`)})
	var nsb *s3types.NoSuchBucket
	if !errors.As(err, &nsb) {
		t.Errorf("404 NoSuchBucket: %T %v", err, err)
	}
}

func TestListDecoderFallsBackOnALongAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 17 MiB answer")
	}
	var b bytes.Buffer
	b.WriteString(s3Root)
	for b.Len() <= maxAnswer {
		b.WriteString("<Contents><Key>a/" + strings.Repeat("k", 1000) + "</Key><Size>1</Size></Contents>")
	}
	b.WriteString("</ListBucketResult>")
	got, err := listBoth(t, canned{status: 200, body: b.Bytes()})
	if err != nil || len(got.Contents) < 16000 {
		t.Fatalf("long answer: %v, %d keys", err, len(got.Contents))
	}
}

// TestWalkDecodesAPageInFewAllocations: a walk's page of 1,000 keys is
// decoded with a few dozen allocations, not the SDK's tens of thousands
// (about 30 a key: each element a token, each value copied twice).
func TestWalkDecodesAPageInFewAllocations(t *testing.T) {
	body := pageXML(1000, false)
	s := &Store{s3: offlineClient(canned{status: 200, body: body}), cfg: Config{Bucket: "b", Timeout: time.Minute}}
	ref := backend.RepoRef{AccountID: "a", RepositoryID: "r"}
	keys := 0
	walk := func() {
		keys = 0
		err := s.WalkObjects(context.Background(), ref, "", func(page []backend.Entry) error {
			keys += len(page)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(5, walk)
	// The answer's keys are not under a/r/: the walk keeps none of them,
	// so what is counted is the request and the answer's decoding.
	t.Logf("%d keys, %.0f allocations", keys, allocs)
	if allocs > 600 {
		t.Errorf("a walk of a page of 1,000 keys made %.0f allocations, want at most 600", allocs)
	}
}

// TestListDecoderOnVersitygw lists the test server's answers through
// both decoders: they agree, and coop's reads them itself.
func TestListDecoderOnVersitygw(t *testing.T) {
	s := newStore(t)
	ref := newRepo(t, s)
	ctx := context.Background()
	base := repoPrefix(ref)
	for _, k := range []string{"x/a & b <c>.csv", "x/été 日本.txt", "x/sub/1", "x/sub/2", "x/'q'\"", "x/plus+%20", "x/tab\tin", "x/ctl\x01k"} {
		if _, err := s.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.cfg.Bucket, Key: sdkaws.String(base + k), Body: strings.NewReader("data")}); err != nil {
			t.Fatalf("put %q: %v", k, err)
		}
	}
	var raw [][]byte
	keep := func(stack *middleware.Stack) error {
		return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("keepBody", func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && err == nil {
				b, _ := io.ReadAll(resp.Body)
				raw = append(raw, b)
				resp.Body = io.NopCloser(bytes.NewReader(b))
			}
			return out, md, err
		}), middleware.After)
	}
	for _, in := range []s3.ListObjectsV2Input{
		{Prefix: sdkaws.String(base + "x/"), EncodingType: s3types.EncodingTypeUrl},
		{Prefix: sdkaws.String(base + "x/")},
		{Prefix: sdkaws.String(base + "x/"), Delimiter: sdkaws.String("/"), EncodingType: s3types.EncodingTypeUrl},
		{Prefix: sdkaws.String(base + "x/"), MaxKeys: sdkaws.Int32(2), FetchOwner: sdkaws.Bool(true)},
		{Prefix: sdkaws.String(base + "none/")},
	} {
		in.Bucket = &s.cfg.Bucket
		raw = nil
		want, err := s.s3.ListObjectsV2(ctx, &in, func(o *s3.Options) { o.APIOptions = append(o.APIOptions, keep) })
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.s3.ListObjectsV2(ctx, &in, (&Store{}).lightList)
		if err != nil {
			t.Fatal(err)
		}
		want.ResultMetadata, got.ResultMetadata = middleware.Metadata{}, middleware.Metadata{}
		if !reflect.DeepEqual(want, got) {
			t.Errorf("pages differ:\nSDK:  %s\ncoop: %s", dumpPage(want), dumpPage(got))
		}
		var page s3.ListObjectsV2Output
		if len(raw) != 1 || !decodeListV2(raw[0], &page) {
			t.Errorf("coop's decoder left versitygw's answer to the SDK: %q", raw)
		}
	}
}

// FuzzS3Answer: any answer reads alike through the SDK's decoders and
// coop's, as a ListObjectsV2 page and as a DeleteObjects result — the
// same result, or the same error.
func FuzzS3Answer(f *testing.F) {
	for _, b := range plainAnswers {
		f.Add([]byte(b))
	}
	for _, b := range oddAnswers {
		f.Add([]byte(b))
	}
	for _, b := range deleteAnswers {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = listBoth(t, canned{status: 200, body: body})
		_, _ = deleteBoth(t, canned{status: 200, body: body})
	})
}

func BenchmarkDecodeListPage(b *testing.B) {
	body := pageXML(1000, true)
	b.Run("coop", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var page s3.ListObjectsV2Output
			if !decodeListV2(body, &page) {
				b.Fatal("not decoded")
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		cl := offlineClient(canned{status: 200, body: body})
		in := &s3.ListObjectsV2Input{Bucket: sdkaws.String("b")}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cl.ListObjectsV2(context.Background(), in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestWalkReusesItsAnswerBuffer: a page's answer is read into a buffer
// of the store's pool, and given back once decoded, for the next page
// to use instead of a fresh one (faulted in) each time.
func TestWalkReusesItsAnswerBuffer(t *testing.T) {
	body := pageXML(1000, false)
	s := &Store{s3: offlineClient(canned{status: 200, body: body}), cfg: Config{Bucket: "b", Timeout: time.Minute}}
	ref := backend.RepoRef{AccountID: "a", RepositoryID: "r"}
	// The race detector's sync.Pool drops a quarter of what it is
	// given, at random: a few walks, then, not one.
	for range 20 {
		if err := s.WalkObjects(context.Background(), ref, "", func([]backend.Entry) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if b := s.bodies.get(int64(len(body))); bytes.Equal(b, body) {
			return // the answer's buffer, back in the pool
		}
	}
	t.Fatal("no walk gave its answer's buffer back to the store's pool")
}
