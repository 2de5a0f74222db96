package aws

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/testservers"
)

// A small PUT is signed and sent without the SDK's middleware pipeline
// (see direct): the allocations of one 64 KiB upload, the transport's
// included, stay under a bound the pipeline alone went over (609 per PUT
// through the SDK, 221 sent directly).
func TestSmallPutAllocations(t *testing.T) {
	s := newStore(t)
	ref := newRepo(t, s)
	if !s.direct.active() {
		t.Fatal("the store sends its PUTs through the SDK")
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	i := 0
	put := func() {
		i++
		if _, err := s.PutObject(t.Context(), ref, fmt.Sprintf("a/f%04d", i), bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		put() // the connection, the pools, the signing key
	}
	allocs := testing.AllocsPerRun(50, put)
	t.Logf("%.0f allocations per 64 KiB PUT", allocs)
	if allocs > 250 {
		t.Errorf("%.0f allocations per 64 KiB PUT, want at most 250", allocs)
	}
	// Nor is the body copied through a buffer of its own on its way to
	// the connection (see bodyConn): 32 KiB more per PUT (62 KB allocated
	// per PUT with it, 28 KB without).
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const n = 50
	for range n {
		put()
	}
	runtime.ReadMemStats(&after)
	perPut := (after.TotalAlloc - before.TotalAlloc) / n
	t.Logf("%d bytes allocated per 64 KiB PUT", perPut)
	if perPut > 40<<10 && !raceBuild { // with -race the body pool drops buffers on purpose
		t.Errorf("%d bytes allocated per 64 KiB PUT, want at most 40 KiB", perPut)
	}
}

// A file of known size that goes up in one PUT is read straight into
// its body's buffer: one read that fills it and one that sees its end,
// whatever its size (a read of its head into a buffer of its own first
// was a third read, a system call on a file, and 3 KiB more per file).
// What is stored is the content read, with its checksum.
func TestSmallPutReadsTwice(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ref := newRepo(t, s)
	for _, size := range []int{100, backend.SniffLen, 64 << 10, 1<<20 + 5} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i * 7 / 5)
		}
		r := &countedReader{r: bytes.NewReader(data)}
		p := fmt.Sprintf("reads/%d", size)
		info, err := s.PutObject(t.Context(), ref, p, r, int64(size))
		if err != nil {
			t.Fatal(err)
		}
		if r.reads != 2 {
			t.Errorf("%d bytes: %d reads, want 2 (the content, its end)", size, r.reads)
		}
		sum := sha256.Sum256(data)
		if info.Size != int64(size) || info.Checksum != "sha256:"+hex.EncodeToString(sum[:]) {
			t.Errorf("%d bytes: stored %d bytes, %s", size, info.Size, info.Checksum)
		}
		rc, _, err := s.GetObject(t.Context(), ref, p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%d bytes: read back %d bytes (%v), not what was sent", size, len(got), err)
		}
	}
}

// countedReader counts the reads made of it.
type countedReader struct {
	r     io.Reader
	reads int
}

func (c *countedReader) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p)
}

// A direct PUT carries the file's SHA-256 as the object's checksum, and
// S3 checks it: a body that is not what was hashed is refused, and
// nothing is stored under its key.
func TestDirectPutIsCheckedByTheServer(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ref := newRepo(t, s)
	if !s.direct.active() {
		t.Fatal("the store sends its PUTs through the SDK")
	}
	key := repoPrefix(ref) + "wrong.bin"
	body := []byte("what is sent")
	sum := sha256.Sum256([]byte("what was read"))
	if _, err := s.putWhole(t.Context(), key, "application/octet-stream", body, nil, sum[:], false); err == nil {
		t.Fatal("a body that is not what its checksum says was stored")
	}
	if _, err := s.StatObject(t.Context(), ref, "wrong.bin"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("after the refused PUT: %v, want not found", err)
	}
	// The same request with the right checksum is stored, once: a second
	// one with If-None-Match: * is refused as an existing object.
	right := sha256.Sum256(body)
	if _, err := s.putWhole(t.Context(), key, "text/plain", body, nil, right[:], true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.putWhole(t.Context(), key, "text/plain", body, nil, right[:], true); !isStatus(err, 412) {
		t.Fatalf("second PUT with If-None-Match: %v, want 412", err)
	}
	rc, info, err := s.GetObject(t.Context(), ref, "wrong.bin")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, body) || info.ContentType != "text/plain" {
		t.Fatalf("stored %q (%s), want %q (text/plain)", got, info.ContentType, body)
	}
}

// A direct PUT answered 503 SlowDown is tried again as the SDK would
// (its retryer: three attempts in all), and one that keeps being refused
// reaches the caller as the store being unavailable, with S3's code in
// the message, which is what makes the transfer queue slow down.
func TestDirectPutSlowDown(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	proxy := testservers.StartFaultProxy(t, cfg.EndpointURL)
	cfg.EndpointURL = proxy.URL
	s := openStore(t, cfg)
	if err := s.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	ref := newRepo(t, s)
	if !s.direct.active() {
		t.Fatal("the store sends its PUTs through the SDK")
	}
	data := bytes.Repeat([]byte("x"), 70<<10)
	proxy.SetFaults(testservers.Fault{Op: "PutObject", Status: 503, Times: 2})
	before := proxy.Count("PutObject")
	if _, err := s.PutObject(t.Context(), ref, "slow/a", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("after two SlowDowns: %v", err)
	}
	if n := proxy.Count("PutObject") - before; n != 3 {
		t.Errorf("%d PutObject requests for two SlowDowns and a success, want 3", n)
	}
	proxy.SetFaults(testservers.Fault{Op: "PutObject", Status: 503})
	before = proxy.Count("PutObject")
	_, err := s.PutObject(t.Context(), ref, "slow/b", bytes.NewReader(data), int64(len(data)))
	if !errors.Is(err, backend.ErrUnavailable) || !strings.Contains(err.Error(), "SlowDown") {
		t.Fatalf("under SlowDown: %v, want unavailable (SlowDown)", err)
	}
	if n := proxy.Count("PutObject") - before; n != 3 {
		t.Errorf("%d PutObject requests before giving up, want the retryer's 3", n)
	}
	t.Log(err)
}

// A signature is written into a buffer the signer keeps, with the day's
// HMAC: signing a PUT as coop sends it allocates its two header values
// and little else (made anew per request, the canonical request, the
// string to sign and the HMAC were 32 allocations and 3 KB a PUT).
func TestSignerAllocations(t *testing.T) {
	sum := sha256.Sum256([]byte("hello"))
	d := &direct{base: url.URL{Scheme: "http", Host: "127.0.0.1:7070", Path: "/bench"}}
	d.base.RawPath = d.base.Path
	u := d.objectURL("acme/data/small/f0001", "x-id=PutObject")
	r, err := http.NewRequest(http.MethodPut, u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	setBody(r, []byte("hello"), nil)
	for k, v := range map[string]string{
		"Content-Type": "application/octet-stream", "X-Amz-Checksum-Sha256": base64.StdEncoding.EncodeToString(sum[:]),
		"X-Amz-Sdk-Checksum-Algorithm": "SHA256", "If-None-Match": "*", "User-Agent": directAgent,
		"Accept-Encoding": "identity", "X-Amz-Content-Sha256": unsignedPayload,
	} {
		r.Header.Set(k, v)
	}
	s := &signer{service: "s3", region: "us-east-1"}
	creds := sdkaws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}
	at := time.Now()
	s.sign(r, creds, unsignedPayload, at) // the day's key, the first buffer
	allocs := testing.AllocsPerRun(100, func() { s.sign(r, creds, unsignedPayload, at) })
	most := 6.0
	if raceBuild {
		most = 16 // sync.Pool drops a quarter of what it is given: the buffer and HMAC made again
	}
	if allocs > most {
		t.Errorf("%.0f allocations per signature, want at most %.0f", allocs, most)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const n = 100
	for range n {
		s.sign(r, creds, unsignedPayload, at)
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > 1<<10 && !raceBuild {
		t.Errorf("%d bytes allocated per signature, want at most 1 KiB", per)
	}
}

// The store's own SigV4 signature is the SDK's, byte for byte, for the
// requests it sends: odd keys, spaces in values, a session token, a
// header given twice, a Host header in the map (signed as net/http sends
// the request: r.Host), another secret or day after the first signature
// (one signer signs them all, as a store's does).
func TestSignerSignsAsTheSDK(t *testing.T) {
	at := time.Date(2026, 12, 5, 7, 40, 1, 0, time.UTC)
	sg := &signer{service: "s3", region: "eu-west-1"}
	for _, tc := range []struct {
		key   string
		creds sdkaws.Credentials
		extra [][2]string
		at    time.Time
	}{
		{key: "acme/data/f0001", creds: sdkaws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}},
		{key: "acme/data/a b/ü+=!*'();:@&$,?#[]~.bin", creds: sdkaws.Credentials{AccessKeyID: "AKID2", SecretAccessKey: "s2", SessionToken: "tok/en=="}},
		{key: "acme/data/f0001", creds: sdkaws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"},
			extra: [][2]string{{"X-Amz-Meta-Zeta", "z"}, {"X-Amz-Meta-B", " two  words "}, {"X-Amz-Meta-B", "again"}, {"Content-Md5", "abc=="}, {"X-Amz-Meta-A-B", "dash"}, {"Host", "elsewhere.example"}}},
		{key: "acme/data/f0002", creds: sdkaws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, at: at.Add(24 * time.Hour)},
	} {
		at := at
		if !tc.at.IsZero() {
			at = tc.at
		}
		body := []byte("hello")
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])
		d := &direct{base: url.URL{Scheme: "https", Host: "bucket.s3.eu-west-1.amazonaws.com"}}
		d.base.RawPath = d.base.Path
		u := d.objectURL(tc.key, "x-id=PutObject")
		build := func() *http.Request {
			r, err := http.NewRequest(http.MethodPut, u.String(), nil)
			if err != nil {
				t.Fatal(err)
			}
			setBody(r, body, nil)
			r.Header.Set("Content-Type", "text/plain;  charset=utf-8 ")
			r.Header.Set("X-Amz-Checksum-Sha256", base64.StdEncoding.EncodeToString(sum[:]))
			r.Header.Set("X-Amz-Sdk-Checksum-Algorithm", "SHA256")
			r.Header.Set("If-None-Match", "*")
			r.Header.Set("User-Agent", directAgent)
			r.Header.Set("Accept-Encoding", "identity")
			r.Header.Set("X-Amz-Content-Sha256", hash)
			for _, h := range tc.extra {
				r.Header.Add(h[0], h[1])
			}
			return r
		}
		want, got := build(), build()
		sdk := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
		if err := sdk.SignHTTP(t.Context(), tc.creds, want, hash, "s3", "eu-west-1", at); err != nil {
			t.Fatal(err)
		}
		sg.sign(got, tc.creds, hash, at)
		for _, h := range []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token"} {
			if got.Header.Get(h) != want.Header.Get(h) {
				t.Errorf("%s: %s\n got  %q\n want %q", tc.key, h, got.Header.Get(h), want.Header.Get(h))
			}
		}
	}
}
