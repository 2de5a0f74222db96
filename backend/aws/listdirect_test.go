package aws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/coopterm/coop/backend"
)

// oddKeys are keys whose characters travel escaped in a query or in XML.
var oddKeys = []string{
	"a & b <c>.csv", "été 日本.txt", "sub/1", "sub/2", `'q'"`, "plus+%20", "tab\tin",
	"two  spaces", "~*()!$,;=:@[]", "line\u2028sep", "fold/",
}

// listed is a page as the test compares it: without request metadata.
func listed(out *s3.ListObjectsV2Output, err error) string {
	if err != nil {
		msg, _, _ := strings.Cut(err.Error(), "https response error") // less request ids
		code, status := apiCode(err)
		return fmt.Sprintf("error %s %d %s", code, status, msg)
	}
	out.ResultMetadata = middleware.Metadata{}
	return dumpPage(out)
}

// ListObjectsV2 requests the store sends itself answer as the SDK's do on
// versitygw: prefixes, delimiters, start-after and continuation tokens of
// keys with odd characters, encoded or not, and errors.
func TestDirectListAnswersAsTheSDK(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if !s.direct.active() {
		t.Fatal("the store sends its listings through the SDK")
	}
	base := "p q+%/é/"
	for _, k := range oddKeys {
		data := "data"
		if strings.HasSuffix(k, "/") {
			data = ""
		}
		if _, err := s.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.cfg.Bucket, Key: sdkaws.String(base + k), Body: strings.NewReader(data)}); err != nil {
			t.Fatalf("put %q: %v", k, err)
		}
	}
	first, err := s.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &s.cfg.Bucket, Prefix: sdkaws.String(base), MaxKeys: sdkaws.Int32(3)})
	if err != nil || first.NextContinuationToken == nil {
		t.Fatalf("first page: %v", err)
	}
	inputs := []s3.ListObjectsV2Input{
		{Prefix: sdkaws.String(base), EncodingType: s3types.EncodingTypeUrl},
		{Prefix: sdkaws.String(base)},
		{Prefix: sdkaws.String(base), Delimiter: sdkaws.String("/"), EncodingType: s3types.EncodingTypeUrl},
		{Prefix: sdkaws.String(base), MaxKeys: sdkaws.Int32(2), FetchOwner: sdkaws.Bool(true)},
		{Prefix: sdkaws.String(base), StartAfter: sdkaws.String(base + "plus+%20"), MaxKeys: sdkaws.Int32(4)},
		{Prefix: sdkaws.String(base), StartAfter: sdkaws.String(base + "été 日本.txt")},
		{Prefix: sdkaws.String(base), MaxKeys: sdkaws.Int32(3), ContinuationToken: first.NextContinuationToken},
		{Prefix: sdkaws.String(base + "a & b <")},
		{Prefix: sdkaws.String(base + "none/")},
		{Prefix: sdkaws.String(base), MaxKeys: sdkaws.Int32(-5)},
		{Prefix: sdkaws.String(base), ContinuationToken: sdkaws.String("not a token %&")},
		{},
	}
	ask := func() []string {
		var out []string
		for _, in := range inputs {
			in.Bucket = &s.cfg.Bucket
			out = append(out, listed(s.listObjects(ctx, &in)))
		}
		return out
	}
	direct := ask()
	s.direct.off.Store(true)
	sdk := ask()
	s.direct.off.Store(false)
	for i := range inputs {
		if direct[i] != sdk[i] {
			t.Errorf("input %d: sent by the store:\n%s\nby the SDK:\n%s", i, direct[i], sdk[i])
		}
	}
	if !strings.Contains(direct[1], "two  spaces") || !strings.Contains(direct[1], "a & b <c>.csv") || strings.Count(direct[1], "key ") != len(oddKeys) {
		t.Errorf("the listing lacks keys: %s", direct[1])
	}

	// Another bucket than the store's is listed, not the store's own.
	other := "no-such-bucket-" + strings.ToLower(fmt.Sprint(time.Now().UnixNano()))
	if got := listed(s.listObjects(ctx, &s3.ListObjectsV2Input{Bucket: &other, Prefix: sdkaws.String(base)})); !strings.Contains(got, "NoSuchBucket") {
		t.Errorf("a listing of bucket %s: %s", other, got)
	}

	// A bucket that is not there: the same error either way.
	s.cfg.Bucket = "no-such-bucket-" + strings.ToLower(fmt.Sprint(time.Now().UnixNano()))
	s.direct = newDirect(ctx, s.s3, s.cfg.Bucket)
	in := &s3.ListObjectsV2Input{Bucket: &s.cfg.Bucket, Prefix: sdkaws.String("a/")}
	d := listed(s.listObjects(ctx, in))
	s.direct.off.Store(true)
	if w := listed(s.listObjects(ctx, in)); d != w || !strings.Contains(d, "NoSuchBucket") {
		t.Errorf("missing bucket: sent by the store: %s\nby the SDK: %s", d, w)
	}
}

// A batch delete the store sends itself removes what the SDK's removes,
// keys with odd characters and a folder marker included, and reads the
// same refused keys from its answer as the SDK's does (the keys it names
// deleted are not read: see decodeDeleteObjects).
func TestDirectDeleteAnswersAsTheSDK(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ref := newRepo(t, s)
	ctx := context.Background()
	if !s.direct.active() {
		t.Fatal("the store sends its batches through the SDK")
	}
	put := func(dir string) []backend.Entry {
		var entries []backend.Entry
		for _, k := range oddKeys {
			key, data := repoPrefix(ref)+dir+"/"+k, "data"
			if strings.HasSuffix(k, "/") {
				data = ""
			}
			if _, err := s.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.cfg.Bucket, Key: &key, Body: strings.NewReader(data)}); err != nil {
				t.Fatalf("put %q: %v", key, err)
			}
			e := backend.Entry{Path: dir + "/" + strings.TrimSuffix(k, "/"), Type: backend.TypeFile}
			if strings.HasSuffix(k, "/") {
				e.Type = backend.TypeDirectory
			}
			entries = append(entries, e)
		}
		// One key that is not there: S3 reports it deleted.
		return append(entries, backend.Entry{Path: dir + "/never there", Type: backend.TypeFile})
	}
	left := func(dir string) []string {
		out, err := s.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &s.cfg.Bucket, Prefix: sdkaws.String(repoPrefix(ref) + dir + "/")})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, o := range out.Contents {
			keys = append(keys, *o.Key)
		}
		return keys
	}
	var raw [2]string
	for i, dir := range []string{"direct", "sdk"} {
		entries := put(dir)
		s.direct.off.Store(i == 1)
		out, err := s.deleteObjects(ctx, deleteKeys{prefix: repoPrefix(ref), entries: entries})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		out.ResultMetadata = middleware.Metadata{}
		if i == 0 && len(out.Deleted) > 0 {
			t.Errorf("sent by the store: the answer's deleted keys were read: %s", deletedKeys(out))
		}
		out.Deleted = nil
		raw[i] = strings.ReplaceAll(fmt.Sprintf("%s", deletedKeys(out)), "/sdk/", "/direct/")
		if l := left(dir); len(l) > 0 {
			t.Errorf("%s: left after the batch: %q", dir, l)
		}
		// The store's method, as the transfer queue calls it.
		again := put(dir)
		failed, err := s.DeleteObjects(ctx, ref, again)
		if err != nil || len(failed) > 0 {
			t.Errorf("%s: DeleteObjects: %v %v", dir, failed, err)
		}
		if l := left(dir); len(l) > 0 {
			t.Errorf("%s: left after DeleteObjects: %q", dir, l)
		}
	}
	if raw[0] != raw[1] {
		t.Errorf("answers differ:\nsent by the store: %s\nby the SDK:        %s", raw[0], raw[1])
	}
}

func deletedKeys(out *s3.DeleteObjectsOutput) []string {
	var keys []string
	for _, d := range out.Deleted {
		keys = append(keys, fmt.Sprintf("%q %v %v", deref(d.Key, ""), deref(d.DeleteMarker, false), deref(d.VersionId, "")))
	}
	for _, e := range out.Errors {
		keys = append(keys, fmt.Sprintf("error %q %s %s", deref(e.Key, ""), deref(e.Code, ""), deref(e.Message, "")))
	}
	return keys
}

// sdkDeleteBody is the body the SDK's DeleteObjects sends for keys.
func sdkDeleteBody(t testing.TB, keys []string) []byte {
	var body []byte
	cl := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: sdkaws.String("http://127.0.0.1:9"), UsePathStyle: true,
		Credentials: sdkaws.AnonymousCredentials{}, Retryer: sdkaws.NopRetryer{},
		HTTPClient: doFunc(func(r *http.Request) (*http.Response, error) {
			body, _ = io.ReadAll(r.Body)
			return canned{status: 200}.Do(r)
		}),
	})
	if _, err := cl.DeleteObjects(context.Background(), deleteInput(sdkaws.String("b"), keys)); err != nil {
		t.Fatal(err)
	}
	return body
}

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// A batch's XML body is byte for byte what the SDK's encoder writes, for
// keys of random bytes and runes (XML specials, controls, invalid UTF-8,
// U+0085, U+2028, U+FFFD).
func TestDeleteBodyIsTheSDKs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "/", " ", "&", "<", ">", `"`, "'", "\t", "\n", "\r", "\x01", "\x7f", "\xff", "\xc3", "é",
		"\u0085", "\u2028", "\u2029", "\uFFFD", "\U0001F600", "\ufffe", "%", "+", "]]>"}
	s := &Store{}
	word := func() string {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	for i := range 300 {
		keys := deleteKeys{prefix: "acme/data/"}
		switch i % 3 {
		case 1:
			keys.prefix = ""
		case 2:
			keys.prefix = word() // invalid UTF-8 at its end, at times
		}
		for range 1 + r.IntN(20) {
			e := backend.Entry{Path: word(), Type: backend.TypeFile}
			if r.IntN(4) == 0 {
				e.Type = backend.TypeDirectory
			}
			keys.entries = append(keys.entries, e)
		}
		got, lease := s.deleteBody(keys)
		want := sdkDeleteBody(t, keys.all())
		if !bytes.Equal(got, want) {
			t.Fatalf("keys %q:\nbody %q\nSDK's %q", keys.all(), got, want)
		}
		lease.release()
	}
}

// offlineDirect is a store whose direct requests get answer (and whose
// SDK calls get it too), counting the requests sent.
func offlineDirect(t testing.TB, answer canned, sent *atomic.Int32) *Store {
	do := doFunc(func(r *http.Request) (*http.Response, error) {
		sent.Add(1)
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
			_ = r.Body.Close()
		}
		return answer.Do(r)
	})
	cl := offlineClient(answer)
	o := cl.Options()
	o.HTTPClient = do
	cl = s3.New(o)
	base, _ := url.Parse("http://127.0.0.1:9/b")
	d := &direct{
		base: *base, service: "s3", region: "us-east-1", client: do, agent: directAgent,
		creds: sdkaws.CredentialsProviderFunc(func(context.Context) (sdkaws.Credentials, error) {
			return sdkaws.Credentials{AccessKeyID: "AK", SecretAccessKey: "SK"}, nil
		}),
		retryer: retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 1 }),
		signer:  &signer{service: "s3", region: "us-east-1"},
	}
	return &Store{s3: cl, direct: d, cfg: Config{Bucket: "b", Timeout: time.Minute}}
}

// Answers the light decoder does not read are read by the SDK's, from
// the answer received: no request is sent again, and the result or the
// error is the SDK's; an error S3 sends with a 200 is an error.
func TestDirectBatchAnswersTheSDKReads(t *testing.T) {
	ref := backend.RepoRef{AccountID: "a", RepositoryID: "r"}
	entries := []backend.Entry{{Path: "ok", Type: backend.TypeFile}, {Path: "busy", Type: backend.TypeFile}, {Path: "no", Type: backend.TypeFile}}
	for _, c := range []struct {
		name, body string
		status     int
		want       string // the failed keys, or the error's code
	}{
		{name: "refused keys", status: 200, want: "busy no",
			body: deleteRoot + `<Deleted><Key>a/r/ok</Key></Deleted><Error><Key>a/r/busy</Key><Code>SlowDown</Code><Message>later</Message></Error><Error><Key>a/r/no</Key><Code>AccessDenied</Code><Message>no</Message></Error></DeleteResult>`},
		{name: "a comment", status: 200, want: "no",
			body: deleteRoot + `<!-- x --><Error><Key>a/r/no</Key><Code>AccessDenied</Code><Message>no</Message></Error></DeleteResult>`},
		{name: "an error with 200", status: 200, want: "error InternalError",
			body: xmlHead + `<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>`},
		{name: "refused", status: 403, want: "unauthorized",
			body: `<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var sent atomic.Int32
			s := offlineDirect(t, canned{status: c.status, body: []byte(c.body)}, &sent)
			failed, err := s.DeleteObjects(context.Background(), ref, entries)
			got := strings.Join(slices.Sorted(func(yield func(string) bool) {
				for k := range failed {
					if !yield(k) {
						return
					}
				}
			}), " ")
			switch {
			case errors.Is(err, backend.ErrUnauthorized):
				got = "unauthorized"
			case err != nil:
				code, _ := apiCode(err)
				got = "error " + code
			}
			if got != c.want {
				t.Errorf("got %q (%v), want %q", got, err, c.want)
			}
			if !errors.Is(failed["no"], backend.ErrUnauthorized) && strings.Contains(c.want, "no") && err == nil {
				t.Errorf("the refused key: %v", failed["no"])
			}
			if n := sent.Load(); n != 1 {
				t.Errorf("%d requests sent, want 1", n)
			}
		})
	}
}

// A batch of 1,000 keys sent by the store itself, and a page of 1,000
// keys of a walk, cost a few allocations a key, not the SDK pipeline's
// (its XML encoder of the batch's keys, its middlewares).
func TestDirectBatchAndPageAllocations(t *testing.T) {
	entries, answer := batchOfDeleted(1000)
	var sent atomic.Int32
	ref := backend.RepoRef{AccountID: "a", RepositoryID: "r"}
	s := offlineDirect(t, canned{status: 200, body: answer}, &sent)
	del := func() {
		failed, err := s.DeleteObjects(context.Background(), ref, entries)
		if err != nil || len(failed) != 0 {
			t.Fatal(err, failed)
		}
	}
	s.direct.off.Store(true)
	sdk := testing.AllocsPerRun(5, del)
	s.direct.off.Store(false)
	allocs := testing.AllocsPerRun(5, del)
	t.Logf("a batch of 1,000 keys: %.0f allocations (through the SDK: %.0f)", allocs, sdk)
	if allocs > 300 {
		t.Errorf("a batch of 1,000 keys made %.0f allocations, want at most 300", allocs)
	}
	// Nor are the keys its answer names deleted copied out of it, for
	// nobody to read (about 200 KB an answer of 1,000 keys).
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const n = 20
	for range n {
		del()
	}
	runtime.ReadMemStats(&after)
	perBatch := (after.TotalAlloc - before.TotalAlloc) / n
	t.Logf("a batch of 1,000 keys: %d bytes allocated", perBatch)
	if perBatch > 64<<10 && !raceBuild { // with -race the body pool drops buffers on purpose
		t.Errorf("a batch of 1,000 keys allocated %d bytes, want at most 64 KiB", perBatch)
	}

	s = offlineDirect(t, canned{status: 200, body: pageXML(1000, false)}, &sent)
	walk := func() {
		err := s.WalkObjects(context.Background(), ref, "", func([]backend.Entry) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	s.direct.off.Store(true)
	sdk = testing.AllocsPerRun(5, walk)
	s.direct.off.Store(false)
	allocs = testing.AllocsPerRun(5, walk)
	t.Logf("a page of 1,000 keys: %.0f allocations (through the SDK: %.0f)", allocs, sdk)
	if allocs > 200 {
		t.Errorf("a page of 1,000 keys made %.0f allocations, want at most 200", allocs)
	}
}

// A batch whose entries cannot all go in the request sends the others,
// in order, and fails or deletes one by one the ones sorted out; the
// caller's entries are left as they were.
func TestDirectBatchSortsOutWhatCannotGo(t *testing.T) {
	entries, answer := batchOfDeleted(4)
	entries[1].Path = "d/../up"     // not a path coop addresses
	entries[2].Path = "d/ctl\x01ch" // cannot travel in XML 1.0: a DeleteObject of its own
	before := slices.Clone(entries)
	var sent atomic.Int32
	s := offlineDirect(t, canned{status: 200, body: answer}, &sent)
	var bodies []string
	s.direct.client = doFunc(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		_ = r.Body.Close()
		bodies = append(bodies, string(b))
		return canned{status: 200, body: answer}.Do(r)
	})
	failed, err := s.DeleteObjects(context.Background(), backend.RepoRef{AccountID: "a", RepositoryID: "r"}, entries)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || !errors.Is(failed["d/../up"], backend.ErrInvalid) {
		t.Errorf("failed = %v, want d/../up invalid", failed)
	}
	want := deleteOpen + "<Object><Key>a/r/d/f0000</Key></Object><Object><Key>a/r/d/f0003</Key></Object>" + deleteClose
	if len(bodies) != 1 || bodies[0] != want {
		t.Errorf("batches sent: %q, want [%q]", bodies, want)
	}
	if !slices.Equal(entries, before) {
		t.Errorf("the caller's entries changed: %v, were %v", entries, before)
	}
}
