package aws

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/coopterm/coop/backend"
)

// rawPut writes a key straight to the bucket, bypassing the store's checks.
func rawPut(t *testing.T, s *Store, key, body string) {
	t.Helper()
	_, err := servers.S3(t).Client().PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: &s.cfg.Bucket, Key: sdkaws.String(key), Body: strings.NewReader(body),
	})
	if err != nil {
		t.Fatalf("raw put %q: %v", key, err)
	}
}

func put(t *testing.T, s *Store, ref backend.RepoRef, p, body string) backend.ObjectInfo {
	t.Helper()
	info, err := s.PutObject(context.Background(), ref, p, strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("PutObject(%s): %v", p, err)
	}
	return info
}

// names lists one folder page by page and renders "name/" for folders.
func names(t *testing.T, s *Store, ref backend.RepoRef, folder string, limit int) ([]string, int) {
	t.Helper()
	var out []string
	req := backend.PageRequest{Limit: limit}
	pages := 0
	for {
		p, err := s.ListObjects(context.Background(), ref, folder, req)
		if err != nil {
			t.Fatalf("ListObjects(%q): %v", folder, err)
		}
		pages++
		for _, e := range p.Items {
			n := e.Name
			if e.IsDir() {
				n += "/"
			}
			if e.Path != backend.JoinPath(strings.Trim(folder, "/"), e.Name) {
				t.Errorf("entry %q has path %q", e.Name, e.Path)
			}
			out = append(out, n)
		}
		if p.Next == "" {
			return out, pages
		}
		req.Cursor = p.Next
	}
}

func TestListFoldersMarkersAndMetadataFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	ref := newRepo(t, s)
	put(t, s, ref, "b.txt", "bee")
	put(t, s, ref, "a/one.csv", "1")
	put(t, s, ref, "a/deep/two.csv", "22")
	rawPut(t, s, "acme/data/empty/", "")      // a folder marker alone
	rawPut(t, s, "acme/data/a/", "")          // a marker beside real content
	rawPut(t, s, "acme/other/x.txt", "other") // another repository
	if err := s.UpdateObjectMetadata(ctx, ref, "b.txt", &backend.ObjectMeta{Type: backend.TypeFile}); err != nil {
		t.Fatal(err)
	}
	if got, _ := names(t, s, ref, "", 0); !slices.Equal(got, []string{"a/", "b.txt", "empty/"}) {
		t.Errorf("root: %v", got)
	}
	if got, _ := names(t, s, ref, "a", 0); !slices.Equal(got, []string{"deep/", "one.csv"}) {
		t.Errorf("a: %v", got)
	}
	if got, _ := names(t, s, ref, "/a/deep/", 0); !slices.Equal(got, []string{"two.csv"}) {
		t.Errorf("a/deep: %v", got)
	}
	if got, _ := names(t, s, ref, "empty", 0); len(got) != 0 {
		t.Errorf("empty: %v", got)
	}
	if _, err := s.ListObjects(ctx, ref, "missing", backend.PageRequest{}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("missing folder = %v, want ErrNotFound", err)
	}
	if _, err := s.ListObjects(ctx, backend.RepoRef{AccountID: "acme", RepositoryID: "nope"}, "", backend.PageRequest{}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("root of a missing repository = %v, want ErrNotFound", err)
	}
	if _, err := s.ListObjects(ctx, ref, "../other", backend.PageRequest{}); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("escaping folder = %v, want ErrInvalid", err)
	}
	if info, err := s.StatObject(ctx, ref, "a/deep"); err != nil || info.Path != "a/deep" || info.Size != 0 {
		t.Errorf("StatObject(folder) = %+v, %v", info, err)
	}
	if _, err := s.StatObject(ctx, ref, backend.MetadataFileName); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("StatObject(metadata file) = %v, want ErrInvalid", err)
	}
}

func TestListPagesAreS3Pages(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ref := newRepo(t, s)
	var want []string
	for i := range 23 {
		n := fmt.Sprintf("f%02d.txt", i)
		put(t, s, ref, "many/"+n, "x")
		want = append(want, n)
	}
	for i := range 3 {
		put(t, s, ref, fmt.Sprintf("many/d%d/x", i), "x")
	}
	want = append([]string{"d0/", "d1/", "d2/"}, want...)
	got, pages := names(t, s, ref, "many", 10)
	if !slices.Equal(got, want) || pages != 3 {
		t.Errorf("26 entries by 10: %d pages %v", pages, got)
	}
}

func TestOddKeysAreListedButNotWritable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	ref := newRepo(t, s)
	odd := []string{"bad\xff\xfe.txt", "ctl\x01\x1b[31mred", "dir\xff/inner"}
	plain := []string{"sp ace+plus%41.txt", "tab\there", "ünï.txt"}
	for _, n := range append(slices.Clone(odd), plain...) {
		rawPut(t, s, "acme/data/"+n, "odd")
	}
	// Keys that are not UTF-8 or hold control characters cannot travel in
	// XML 1.0: S3 sends them URL-encoded (and the store decodes them),
	// versitygw sends U+FFFD in their place. Either way they are listed.
	p, err := s.ListObjects(ctx, ref, "", backend.PageRequest{})
	if err != nil {
		t.Fatalf("listing odd keys: %v", err)
	}
	var got []string
	for _, e := range p.Items {
		got = append(got, e.Name)
	}
	if len(got) != len(odd)+len(plain) {
		t.Errorf("listed %q, want %d entries", got, len(odd)+len(plain))
	}
	for _, n := range plain {
		if !slices.Contains(got, n) {
			t.Errorf("%q missing from %q", n, got)
		}
	}
	for _, n := range []string{"bad\xff\xfe.txt", "ctl\x01\x1b[31mred", "a/b\x7f", "nul\x00", "back\\slash"} {
		if _, err := s.PutObject(ctx, ref, n, strings.NewReader("x"), 1); !errors.Is(err, backend.ErrInvalid) {
			t.Errorf("PutObject(%q) = %v, want ErrInvalid", n, err)
		}
	}
	// What other tools wrote stays readable and removable by its real name.
	for _, n := range []string{"sp ace+plus%41.txt", "tab\there"} {
		rc, _, err := s.GetObject(ctx, ref, n)
		if err != nil {
			t.Fatalf("GetObject(%q): %v", n, err)
		}
		rc.Close()
		if err := s.DeleteObject(ctx, ref, n); err != nil {
			t.Errorf("DeleteObject(%q): %v", n, err)
		}
	}
}

func TestPutGetStatDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	ref := newRepo(t, s)
	for _, tc := range []struct {
		name      string
		size      int
		announce  bool
		s3HasHash bool
	}{
		{"empty", 0, true, true},
		{"small", 1000, true, true},
		{"small-unknown-size", 5000, false, true},
		{"single-put-max", singlePutMax, true, true},
		{"multipart-known", singlePutMax + partSize + 123, true, false},
		{"multipart-unknown", 2*partSize + 7, false, false},
	} {
		data := make([]byte, tc.size)
		rand.Read(data)
		sum := sha256.Sum256(data)
		want := "sha256:" + hex.EncodeToString(sum[:])
		size := int64(-1)
		if tc.announce {
			size = int64(tc.size)
		}
		p := "up/" + tc.name + ".bin"
		// io.MultiReader hides any Seeker: the store must stream.
		info, err := s.PutObject(ctx, ref, p, io.MultiReader(bytes.NewReader(data)), size)
		if err != nil {
			t.Fatalf("%s: PutObject: %v", tc.name, err)
		}
		if info.Checksum != want || info.Size != int64(tc.size) || info.Path != p {
			t.Errorf("%s: PutObject = %+v, want checksum %s", tc.name, info, want)
		}
		st, err := s.StatObject(ctx, ref, p)
		if err != nil || st.Size != int64(tc.size) {
			t.Fatalf("%s: StatObject = %+v, %v", tc.name, st, err)
		}
		if tc.s3HasHash && st.Checksum != want {
			t.Errorf("%s: S3 keeps checksum %q, want %q", tc.name, st.Checksum, want)
		}
		rc, gi, err := s.GetObject(ctx, ref, p)
		if err != nil {
			t.Fatalf("%s: GetObject: %v", tc.name, err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, data) || gi.Size != int64(tc.size) {
			t.Errorf("%s: read back %d bytes (%v), want %d", tc.name, len(got), err, tc.size)
		}
	}
	if err := s.DeleteObject(ctx, ref, "up/small.bin"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteObject(ctx, ref, "up/small.bin"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("second DeleteObject = %v, want ErrNotFound", err)
	}
	if _, _, err := s.GetObject(ctx, ref, "up/small.bin"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("GetObject(deleted) = %v, want ErrNotFound", err)
	}
	if _, err := s.StatObject(ctx, ref, "up/nothing"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("StatObject(nothing) = %v, want ErrNotFound", err)
	}
	info := put(t, s, ref, "notes.txt", "hello, world\n")
	if !strings.HasPrefix(info.ContentType, "text/plain") {
		t.Errorf("content type %q", info.ContentType)
	}
}

func TestPutWithWrongSizeStoresNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	ref := newRepo(t, s)
	for _, tc := range []struct {
		name     string
		have     int
		announce int64
	}{
		{"short", 100, 200},
		{"long", 200, 100},
		{"short-head", backend.SniffLen - 1, backend.SniffLen},
		{"long-head", backend.SniffLen + 1, backend.SniffLen},
		{"short-one-put", 64<<10 - 1, 64 << 10},
		{"long-one-put", 64<<10 + 1, 64 << 10},
		{"short-multipart", singlePutMax + 10, singlePutMax + partSize*2},
		{"long-multipart", singlePutMax + partSize*2, singlePutMax + 10},
	} {
		data := bytes.Repeat([]byte("z"), tc.have)
		_, err := s.PutObject(ctx, ref, tc.name, io.MultiReader(bytes.NewReader(data)), tc.announce)
		if !errors.Is(err, backend.ErrInvalid) {
			t.Errorf("%s: PutObject = %v, want ErrInvalid", tc.name, err)
		}
		if _, err := s.StatObject(ctx, ref, tc.name); !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("%s: something was stored: %v", tc.name, err)
		}
	}
}

func TestSSEIsSent(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.SSE = SSEAES256
	s := openStore(t, cfg)
	if err := s.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	ref := newRepo(t, s)
	put(t, s, ref, "secret.txt", "psst")
	if err := s.UpdateObjectMetadata(context.Background(), ref, "secret.txt", &backend.ObjectMeta{}); err != nil {
		t.Fatal(err)
	}
}

func TestURLEncodedListingsAreDecoded(t *testing.T) {
	t.Parallel()
	prefix := "acme/data/"
	out := &s3.ListObjectsV2Output{
		CommonPrefixes: []s3types.CommonPrefix{{Prefix: sdkaws.String("acme/data/dir%FF/")}},
		Contents: []s3types.Object{
			{Key: sdkaws.String("acme/data/ctl%01x"), Size: sdkaws.Int64(3)},
			{Key: sdkaws.String("acme/data/sp+ace%2B.txt")},
			{Key: sdkaws.String("acme/data/")}, // the folder's own marker
			{Key: sdkaws.String("acme/data/.source-metadata.json")},
		},
	}
	var got []string
	for _, e := range appendEntries(nil, out, prefix, "", true) {
		got = append(got, sortKey(e))
	}
	if want := []string{"dir\xff/", "ctl\x01x", "sp ace+.txt"}; !slices.Equal(got, want) {
		t.Errorf("decoded %q, want %q", got, want)
	}
}

// Keys other tools stored with "//", "." segments or trailing spaces are
// listed, marked, not hidden. (versitygw folds such keys on its file
// system, so this is the answer S3 gives, built by hand.)
func TestOddKeysAreListedMarked(t *testing.T) {
	t.Parallel()
	out := &s3.ListObjectsV2Output{
		CommonPrefixes: []s3types.CommonPrefix{
			{Prefix: sdkaws.String("acme/data/odd//")},
			{Prefix: sdkaws.String("acme/data/odd/./")},
			{Prefix: sdkaws.String("acme/data/odd/fine/")},
		},
		Contents: []s3types.Object{
			{Key: sdkaws.String("acme/data/odd/")}, // the folder's own marker
			{Key: sdkaws.String("acme/data/odd/trailing.txt "), Size: sdkaws.Int64(3)},
			{Key: sdkaws.String("acme/data/odd/.."), Size: sdkaws.Int64(1)},
			{Key: sdkaws.String("acme/data/odd/plain.txt"), Size: sdkaws.Int64(1)},
		},
	}
	got := map[string]string{}
	for _, e := range appendEntries(nil, out, "acme/data/odd/", "odd", false) {
		got[sortKey(e)] = e.Odd
	}
	for name, marked := range map[string]bool{"/": true, "./": true, "fine/": false, "trailing.txt ": true, "..": true, "plain.txt": false} {
		odd, listed := got[name]
		if !listed || (odd != "") != marked {
			t.Errorf("%q: listed %v, odd %q; want marked %v", name, listed, odd, marked)
		}
	}
	if len(got) != 6 {
		t.Errorf("entries %q", got)
	}
}
