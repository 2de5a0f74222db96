package aws

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
)

// A download's GET of a small object is signed and sent by the store,
// not through the SDK's pipeline (see getDirect): its allocations, the
// transport's and the body's reading included, stay under a bound the
// pipeline went well over (about 540 through the SDK, 160 sent
// directly).
func TestSmallGetAllocations(t *testing.T) {
	s := newStore(t)
	ref := newRepo(t, s)
	if !s.direct.active() {
		t.Fatal("the store sends its GETs through the SDK")
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	if _, err := s.PutObject(t.Context(), ref, "a/f", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(data)+1)
	get := func() {
		body, err := s.GetObjectRange(t.Context(), ref, "a/f", 0, -1, "")
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.ReadFull(body, buf)
		if n != len(data) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("read %d bytes (%v), want %d", n, err, len(data))
		}
		_ = body.Close()
	}
	for range 5 {
		get() // the connection, the pools, the signing key
	}
	s.direct.off.Store(true)
	t.Logf("SDK: %.0f allocations per 64 KiB GET", testing.AllocsPerRun(30, get))
	s.direct.off.Store(false)
	allocs := testing.AllocsPerRun(50, get)
	t.Logf("%.0f allocations per 64 KiB GET", allocs)
	if allocs > 250 {
		t.Errorf("%.0f allocations per 64 KiB GET, want at most 250", allocs)
	}
}

// What a ranged read gives — the bytes, or the error and what it means —
// is the same whether the store sent the GET itself or through the SDK:
// whole, from an offset, a range, past the end, of the ETag given or of
// another, of a missing object.
func TestRangeGetAnswersAsTheSDK(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ref := newRepo(t, s)
	if !s.direct.active() {
		t.Fatal("the store sends its GETs through the SDK")
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 1000)
	if _, err := s.PutObject(t.Context(), ref, "a/f.bin", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	info, err := s.StatObject(t.Context(), ref, "a/f.bin")
	if err != nil || info.ETag == "" {
		t.Fatalf("stat: %+v, %v", info, err)
	}
	type read struct {
		Bytes    []byte
		Err      string
		NotFound bool
		Changed  bool
		Code     string
		Status   int
	}
	cases := []struct {
		name         string
		path         string
		off, n       int64
		etag         string
		wantN        int
		wantNotFound bool
		wantChanged  bool
	}{
		{name: "whole", path: "a/f.bin", n: -1, wantN: len(data)},
		{name: "from an offset", path: "a/f.bin", off: 15000, n: -1, wantN: 1000},
		{name: "a range", path: "a/f.bin", off: 100, n: 50, wantN: 50},
		{name: "a range past the end", path: "a/f.bin", off: 15990, n: 100, wantN: 10},
		{name: "of its ETag", path: "a/f.bin", off: 10, n: 10, etag: info.ETag, wantN: 10},
		{name: "of its ETag quoted", path: "a/f.bin", n: -1, etag: `"` + info.ETag + `"`, wantN: len(data)},
		{name: "of another ETag", path: "a/f.bin", n: -1, etag: "0123456789abcdef0123456789abcdef", wantChanged: true},
		{name: "missing", path: "a/none.bin", n: -1, wantNotFound: true},
		{name: "missing, a range", path: "a/none.bin", off: 5, n: 5, wantNotFound: true},
		{name: "beyond the end", path: "a/f.bin", off: 20000, n: 10},
	}
	ask := func() []read {
		var out []read
		for _, c := range cases {
			var r read
			body, err := s.GetObjectRange(t.Context(), ref, c.path, c.off, c.n, c.etag)
			if err == nil {
				r.Bytes, err = io.ReadAll(body)
				_ = body.Close()
			}
			if err != nil {
				r.Err, _, _ = strings.Cut(err.Error(), "https response error") // less request ids
				r.NotFound, r.Changed = errors.Is(err, backend.ErrNotFound), errors.Is(err, backend.ErrObjectChanged)
				r.Code, r.Status = apiCode(err)
			}
			out = append(out, r)
		}
		return out
	}
	direct := ask()
	s.direct.off.Store(true)
	sdk := ask()
	for i, c := range cases {
		d := direct[i]
		if !reflect.DeepEqual(d, sdk[i]) {
			t.Errorf("%s: sent by the store: %+v\nby the SDK: %+v", c.name, short(d), short(sdk[i]))
		}
		if d.NotFound != c.wantNotFound || d.Changed != c.wantChanged {
			t.Errorf("%s: error %q, want not found %v, changed %v", c.name, d.Err, c.wantNotFound, c.wantChanged)
		}
		if c.wantN > 0 && (len(d.Bytes) != c.wantN || !bytes.Equal(d.Bytes, data[c.off:c.off+int64(c.wantN)])) {
			t.Errorf("%s: %d bytes, want %d from %d", c.name, len(d.Bytes), c.wantN, c.off)
		}
	}
}

// short is a read with its bytes counted, for messages.
func short(r any) string {
	v := reflect.ValueOf(r)
	b := v.FieldByName("Bytes").Bytes()
	return fmt.Sprintf("%d bytes, err %q, code %q, status %d", len(b), v.FieldByName("Err").String(), v.FieldByName("Code").String(), v.FieldByName("Status").Int())
}
