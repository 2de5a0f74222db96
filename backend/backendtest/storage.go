package backendtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
)

func (c *suite) storage(t *testing.T) {
	run(t, "PutStatGetDelete", c, testPutStatGetDelete)
	run(t, "PutUnknownSize", c, testPutUnknownSize)
	run(t, "PutFailsWhole", c, testPutFailsWhole)
	run(t, "ListOneLevel", c, testListOneLevel)
	run(t, "ListPaged", c, testListPaged)
	run(t, "ListMissing", c, testListMissing)
	run(t, "DeletePrunesFolders", c, testDeletePrunes)
	run(t, "InvalidPaths", c, testInvalidPaths)
	run(t, "UnusualNames", c, testUnusualNames)
	run(t, "ContentTypes", c, testContentTypes)
}

// Every store names an object's content type the same way, from its
// content and then its extension (backend.DetectContentType), and reports
// it when the object is stored, described and read.
func testContentTypes(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	for _, c := range []struct{ path, body, want string }{
		{"notes.md", "# Notes\n\nSome *markdown* text.\n", "text/markdown"},
		{"style.css", "body { color: red; }\n", "text/css"},
		{"parcels.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}}]}`,
			"application/geo+json"},
		{"table.parquet", "PAR1\x15\x04\x15\x10\x15\x14L\x15\x04\x15\x00\x12\x00\x00PAR1", "application/vnd.apache.parquet"},
		{"scene.tif", "II*\x00\x08\x00\x00\x00\x00\x00", "image/tiff"},
		{"data.json", `{"n": 1}`, "application/json"},
	} {
		info := put(t, s, ref, c.path, c.body)
		st, err := s.StatObject(ctx(t), ref, c.path)
		must(t, err)
		rc, got, err := s.GetObject(ctx(t), ref, c.path)
		must(t, err)
		rc.Close()
		for what, ct := range map[string]string{"PutObject": info.ContentType, "StatObject": st.ContentType, "GetObject": got.ContentType} {
			if ct != c.want && !strings.HasPrefix(ct, c.want+";") {
				t.Errorf("%s(%s) content type %q, want %q", what, c.path, ct, c.want)
			}
		}
	}
}

// put stores content at p and checks what PutObject reports.
func put(t *testing.T, s backend.Store, ref backend.RepoRef, p, content string) backend.ObjectInfo {
	t.Helper()
	info, err := s.PutObject(ctx(t), ref, p, strings.NewReader(content), int64(len(content)))
	if err != nil {
		t.Fatalf("PutObject(%q): %v", p, err)
	}
	sum := sha256.Sum256([]byte(content))
	if info.Path != p || info.Size != int64(len(content)) || info.Checksum != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("PutObject(%q) = %s", p, describe(info))
	}
	return info
}

// read fetches an object's whole content.
func read(t *testing.T, s backend.Store, ref backend.RepoRef, p string) string {
	t.Helper()
	rc, info, err := s.GetObject(ctx(t), ref, p)
	if err != nil {
		t.Fatalf("GetObject(%q): %v", p, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", p, err)
	}
	if info.Size != int64(len(data)) {
		t.Errorf("GetObject(%q) Size %d, content %d bytes", p, info.Size, len(data))
	}
	return string(data)
}

// listAll pages through a folder with the given page size.
func listAll(t *testing.T, s backend.Store, ref backend.RepoRef, folder string, limit int) []backend.Entry {
	t.Helper()
	return collect(t, limit, func(e backend.Entry) string { return e.Path },
		func(req backend.PageRequest) (backend.Page[backend.Entry], error) {
			return s.ListObjects(ctx(t), ref, folder, req)
		})
}

// row renders an entry compactly: "name" for files, "name/" for folders.
func row(e backend.Entry) string {
	if e.IsDir() {
		return e.Name + "/"
	}
	return e.Name
}

func rows(es []backend.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = row(e)
	}
	return out
}

func testPutStatGetDelete(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	body := `{"hello": "world", "n": [1, 2, 3]}`
	info := put(t, s, ref, "docs/data.json", body)
	if !strings.HasPrefix(info.ContentType, "application/json") {
		t.Errorf("ContentType = %q, want application/json", info.ContentType)
	}
	st, err := s.StatObject(ctx(t), ref, "docs/data.json")
	must(t, err)
	if st.Size != int64(len(body)) || st.Path != "docs/data.json" || st.ModTime.IsZero() {
		t.Errorf("StatObject = %s", describe(st))
	}
	if got := read(t, s, ref, "docs/data.json"); got != body {
		t.Errorf("content = %q, want %q", got, body)
	}

	put(t, s, ref, "docs/data.json", "replaced")
	if got := read(t, s, ref, "docs/data.json"); got != "replaced" {
		t.Errorf("after overwrite content = %q", got)
	}

	put(t, s, ref, "docs/keep.txt", "keep")
	must(t, s.DeleteObject(ctx(t), ref, "docs/data.json"))
	_, err = s.StatObject(ctx(t), ref, "docs/data.json")
	wantErr(t, "StatObject after delete", err, backend.ErrNotFound)
	_, _, err = s.GetObject(ctx(t), ref, "docs/data.json")
	wantErr(t, "GetObject after delete", err, backend.ErrNotFound)
	wantErr(t, "DeleteObject twice", s.DeleteObject(ctx(t), ref, "docs/data.json"), backend.ErrNotFound)
	wantErr(t, "DeleteObject of a missing object", s.DeleteObject(ctx(t), ref, "nope/never.txt"), backend.ErrNotFound)
	if got := rows(listAll(t, s, ref, "docs", 0)); !slices.Equal(got, []string{"keep.txt"}) {
		t.Errorf("docs after delete = %v", got)
	}
}

func testPutUnknownSize(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	body := strings.Repeat("0123456789abcdef", 40000) // 640 kB, more than one buffer
	info, err := s.PutObject(ctx(t), ref, "big.bin", io.MultiReader(strings.NewReader(body)), -1)
	must(t, err)
	sum := sha256.Sum256([]byte(body))
	if info.Size != int64(len(body)) || info.Checksum != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("PutObject(size -1) = %s", describe(info))
	}
	if got := read(t, s, ref, "big.bin"); got != body {
		t.Errorf("content differs (%d bytes, want %d)", len(got), len(body))
	}
}

// failingReader yields some bytes, then an error.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("source broke")
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = 'x'
	}
	r.n -= k
	return k, nil
}

// A put that cannot complete leaves nothing behind, and an earlier object
// at the same path untouched.
func testPutFailsWhole(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	if _, err := s.PutObject(ctx(t), ref, "broken.txt", &failingReader{n: 1000}, 5000); err == nil {
		t.Error("PutObject with a failing reader succeeded")
	}
	if _, err := s.PutObject(ctx(t), ref, "short.txt", strings.NewReader("12345"), 10); err == nil {
		t.Error("PutObject with fewer bytes than size succeeded")
	}
	put(t, s, ref, "kept.txt", "original")
	if _, err := s.PutObject(ctx(t), ref, "kept.txt", &failingReader{n: 10}, -1); err == nil {
		t.Error("PutObject with a failing reader succeeded")
	}
	for _, p := range []string{"broken.txt", "short.txt"} {
		_, err := s.StatObject(ctx(t), ref, p)
		wantErr(t, "StatObject after a failed put of "+p, err, backend.ErrNotFound)
	}
	if got := read(t, s, ref, "kept.txt"); got != "original" {
		t.Errorf("failed overwrite changed content to %q", got)
	}
	if got := rows(listAll(t, s, ref, "", 0)); !slices.Equal(got, []string{"kept.txt"}) {
		t.Errorf("root after failed puts = %v, want [kept.txt]", got)
	}
}

// Folders sort as name + "/", the order of S3 keys: "a.txt" < "a/" < "a0".
func testListOneLevel(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	for _, p := range []string{"b/c.txt", "a.txt", "a/x.txt", "B.txt", "a-b.txt", "a0.txt", "b/d/e.txt", "b/d/f/g.txt", "_u.txt"} {
		put(t, s, ref, p, "content of "+p)
	}
	must(t, s.UpdateObjectMetadata(ctx(t), ref, "a.txt", &backend.ObjectMeta{ID: "1", Type: backend.TypeFile}))

	root := listAll(t, s, ref, "", 0)
	want := []string{"B.txt", "_u.txt", "a-b.txt", "a.txt", "a/", "a0.txt", "b/"}
	if got := rows(root); !slices.Equal(got, want) {
		t.Errorf("root = %v, want %v", got, want)
	}
	for _, e := range root {
		wantType, wantSize := backend.TypeFile, int64(len("content of "+e.Name))
		if strings.HasSuffix(row(e), "/") {
			wantType, wantSize = backend.TypeDirectory, 0
		}
		if e.Path != e.Name || e.Type != wantType || (wantType == backend.TypeFile && e.Size != wantSize) {
			t.Errorf("root entry %s", describe(e))
		}
	}
	for _, folder := range []string{"b", "b/", "/b/"} {
		got := listAll(t, s, ref, folder, 0)
		if r := rows(got); !slices.Equal(r, []string{"c.txt", "d/"}) {
			t.Errorf("ListObjects(%q) = %v", folder, r)
		}
		if len(got) == 2 && (got[0].Path != "b/c.txt" || got[1].Path != "b/d" || got[0].Size != int64(len("content of b/c.txt"))) {
			t.Errorf("ListObjects(%q) entries %s", folder, describe(got))
		}
	}
	if got := rows(listAll(t, s, ref, "b/d", 0)); !slices.Equal(got, []string{"e.txt", "f/"}) {
		t.Errorf("b/d = %v", got)
	}
}

func testListPaged(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	var want []string
	for i := range 23 {
		name := fmt.Sprintf("f%03d.txt", i*7%23)
		put(t, s, ref, "many/"+name, "x")
		want = append(want, name)
	}
	for i := range 4 {
		put(t, s, ref, fmt.Sprintf("many/f%03d/inner.txt", i*6), "y")
		want = append(want, fmt.Sprintf("f%03d/", i*6))
	}
	slices.SortFunc(want, func(a, b string) int { return strings.Compare(a, b) })
	for _, limit := range []int{5, 1, 27, 100, 0} {
		if got := rows(listAll(t, s, ref, "many", limit)); !slices.Equal(got, want) {
			t.Errorf("limit %d: listed %v, want %v", limit, got, want)
		}
	}
	// A cursor stays valid when the folder changes between pages.
	first, err := s.ListObjects(ctx(t), ref, "many", backend.PageRequest{Limit: 4})
	must(t, err)
	put(t, s, ref, "many/zzz.txt", "late")
	next, err := s.ListObjects(ctx(t), ref, "many", backend.PageRequest{Limit: 100, Cursor: first.Next})
	must(t, err)
	got := append(rows(first.Items), rows(next.Items)...)
	if want := append(slices.Clone(want), "zzz.txt"); !slices.Equal(got, want) {
		t.Errorf("paging across a change listed %v, want %v", got, want)
	}
}

func testListMissing(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	if got := listAll(t, s, ref, "", 0); len(got) != 0 {
		t.Errorf("new repository lists %v", rows(got))
	}
	put(t, s, ref, "dir/file.txt", "x")
	for _, folder := range []string{"nope", "dir/nope", "dir/file.txt"} {
		_, err := s.ListObjects(ctx(t), ref, folder, backend.PageRequest{})
		wantErr(t, fmt.Sprintf("ListObjects(%q)", folder), err, backend.ErrNotFound)
	}
}

func testDeletePrunes(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	put(t, s, ref, "a/b/c/deep.txt", "x")
	put(t, s, ref, "a/top.txt", "y")
	must(t, s.DeleteObject(ctx(t), ref, "a/b/c/deep.txt"))
	for _, folder := range []string{"a/b/c", "a/b"} {
		_, err := s.ListObjects(ctx(t), ref, folder, backend.PageRequest{})
		wantErr(t, fmt.Sprintf("ListObjects(%q) after its last object went", folder), err, backend.ErrNotFound)
	}
	if got := rows(listAll(t, s, ref, "a", 0)); !slices.Equal(got, []string{"top.txt"}) {
		t.Errorf("a = %v", got)
	}
	must(t, s.DeleteObject(ctx(t), ref, "a/top.txt"))
	if got := listAll(t, s, ref, "", 0); len(got) != 0 {
		t.Errorf("root after deleting everything = %v", rows(got))
	}
}

func testInvalidPaths(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	bad := []string{"", "a/../b", "../escape", "/abs", "a//b", "a/", "./a", "a\\b", "x\x1by", "nul\x00", "\xff\xfe",
		backend.MetadataFileName, strings.Repeat("n", backend.MaxPathBytes+1)}
	// Names other tools may have written (control characters, invalid
	// UTF-8, backslashes) are refused for new writes but stay readable;
	// what could escape the repository is refused everywhere.
	readable := map[string]bool{"a\\b": true, "x\x1by": true, "\xff\xfe": true}
	for _, p := range bad {
		_, err := s.PutObject(ctx(t), ref, p, strings.NewReader("x"), 1)
		wantErr(t, fmt.Sprintf("PutObject(%q)", p), err, backend.ErrInvalid)
		if p == "" {
			continue // "" names the root for the calls below
		}
		if readable[p] {
			_, err = s.StatObject(ctx(t), ref, p)
			wantErr(t, fmt.Sprintf("StatObject(%q)", p), err, backend.ErrNotFound)
			continue
		}
		_, err = s.StatObject(ctx(t), ref, p)
		wantErr(t, fmt.Sprintf("StatObject(%q)", p), err, backend.ErrInvalid)
		_, _, err = s.GetObject(ctx(t), ref, p)
		wantErr(t, fmt.Sprintf("GetObject(%q)", p), err, backend.ErrInvalid)
		err = s.DeleteObject(ctx(t), ref, p)
		wantErr(t, fmt.Sprintf("DeleteObject(%q)", p), err, backend.ErrInvalid)
	}
	for _, f := range []string{"a/../b", "../..", "a//b"} {
		_, err := s.ListObjects(ctx(t), ref, f, backend.PageRequest{})
		wantErr(t, fmt.Sprintf("ListObjects(%q)", f), err, backend.ErrInvalid)
	}
	for _, r := range []backend.RepoRef{{AccountID: "..", RepositoryID: ref.RepositoryID}, {AccountID: ref.AccountID, RepositoryID: "../x"}, {}} {
		_, err := s.PutObject(ctx(t), r, "ok.txt", strings.NewReader("x"), 1)
		wantErr(t, fmt.Sprintf("PutObject in %v", r), err, backend.ErrInvalid)
		_, err = s.ListObjects(ctx(t), r, "", backend.PageRequest{})
		wantErr(t, fmt.Sprintf("ListObjects in %v", r), err, backend.ErrInvalid)
	}
	if got := listAll(t, s, ref, "", 0); len(got) != 0 {
		t.Errorf("rejected puts left %v", rows(got))
	}
	if _, err := s.StatObject(ctx(t), ref, "b"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("StatObject(b) after rejected put of a/../b: %v", err)
	}
}

func testUnusualNames(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	names := []string{"héllo wörld.txt", "with space/файл.csv", "emoji 🚀.md", "日本語/データ.json", "quote'\"&.txt", "..dots", "-dash", "%41.txt", "a+b=c.txt"}
	for _, p := range names {
		put(t, s, ref, p, p)
		if got := read(t, s, ref, p); got != p {
			t.Errorf("content of %q = %q", p, got)
		}
	}
	want := []string{"%41.txt", "-dash", "..dots", "a+b=c.txt", "emoji 🚀.md", "héllo wörld.txt", "quote'\"&.txt", "with space/", "日本語/"}
	if got := rows(listAll(t, s, ref, "", 0)); !slices.Equal(got, want) {
		t.Errorf("root = %q, want %q", got, want)
	}
	got := listAll(t, s, ref, "with space", 0)
	if len(got) != 1 || got[0].Name != "файл.csv" || got[0].Path != "with space/файл.csv" {
		t.Errorf("ListObjects(with space) = %s", describe(got))
	}
	if !bytes.Equal([]byte(read(t, s, ref, "日本語/データ.json")), []byte("日本語/データ.json")) {
		t.Error("unicode path content differs")
	}
	must(t, s.DeleteObject(ctx(t), ref, "with space/файл.csv"))
	_, err := s.ListObjects(ctx(t), ref, "with space", backend.PageRequest{})
	wantErr(t, "ListObjects(with space) after delete", err, backend.ErrNotFound)
}
