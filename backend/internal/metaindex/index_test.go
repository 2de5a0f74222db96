package metaindex

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

// plain decodes a document with the plain decoder, the reference.
func plain(t *testing.T, doc []byte) backend.SourceMetadata {
	t.Helper()
	var m backend.SourceMetadata
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("plain decoder: %v\n%s", err, doc)
	}
	return m
}

// build writes doc to a file and indexes it.
func build(t testing.TB, doc []byte) (*Version, string) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "doc.json")
	if err := os.WriteFile(p, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	idx := filepath.Join(dir, "index")
	if err := Build(idx, "1", "ident-1", f, int64(len(doc))); err != nil {
		t.Fatal(err)
	}
	v, err := Open(idx, "1", "ident-1", f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Close() })
	return v, idx
}

// enc is an entry as coop would write it: equal encodings, equal entries.
func enc(t *testing.T, m backend.ObjectMeta) string {
	t.Helper()
	b, err := m.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func folders(m backend.SourceMetadata) []string {
	set := map[string]bool{"": true}
	for p := range m.Objects {
		for d := backend.ParentFolder(p); d != ""; d = backend.ParentFolder(d) {
			set[d] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// Every read of an index gives what the plain decoder reads from the
// same document, for random documents, sorted or not.
func TestIndexReadsAsThePlainDecoder(t *testing.T) {
	for seed := range 40 {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		n := rng.IntN(400)
		sorted := seed%2 == 0
		t.Run(fmt.Sprintf("seed%d-n%d-sorted%v", seed, n, sorted), func(t *testing.T) {
			doc := genDoc(rng, n, sorted)
			want := plain(t, doc)
			v, _ := build(t, doc)
			if v.Count() != int64(len(want.Objects)) {
				t.Fatalf("count %d, want %d", v.Count(), len(want.Objects))
			}
			if sorted != (v.Facts().Data == "") && n > 0 {
				t.Errorf("sorted=%v, data %q", sorted, v.Facts().Data)
			}
			for p, m := range want.Objects {
				got, ok, err := v.Entry(p)
				if err != nil || !ok || enc(t, got) != enc(t, m) || got.Problem != m.Problem {
					t.Fatalf("Entry(%q) = %s %v %v, want %s", p, enc(t, got), ok, err, enc(t, m))
				}
				if _, ok, _ := v.Entry(p + "~"); ok && want.Objects[p+"~"].ID == "" {
					t.Fatalf("Entry(%q~) found what is not there", p)
				}
				// What a removal is planned with: the type, undecoded.
				if typ, ok, err := v.EntryType(p); err != nil || !ok || typ != m.Type {
					t.Fatalf("EntryType(%q) = %q %v %v, want %q", p, typ, ok, err, m.Type)
				}
				if _, ok, _ := v.EntryType(p + "~"); ok && want.Objects[p+"~"].ID == "" {
					t.Fatalf("EntryType(%q~) found what is not there", p)
				}
			}
			// In order, as a batch of a listing's paths asks: each block
			// is read once, and what it serves is what the plain decoder
			// reads.
			for _, p := range slices.Sorted(maps.Keys(want.Objects)) {
				for _, q := range []string{p, p + "~"} {
					got, ok, err := v.Entry(q)
					m, there := want.Objects[q]
					if err != nil || ok != there || there && enc(t, got) != enc(t, m) {
						t.Fatalf("in order, Entry(%q) = %s %v %v, want %s %v", q, enc(t, got), ok, err, enc(t, m), there)
					}
				}
			}
			var walked []string
			if err := v.Walk("", func(page []backend.MetadataEntry) error {
				for _, e := range page {
					walked = append(walked, e.Path)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if keys := slices.Sorted(maps.Keys(want.Objects)); !slices.Equal(walked, keys) {
				t.Fatalf("walk = %q\nwant %q", walked, keys)
			}
			for _, f := range folders(want) {
				checkFolder(t, v, &want, f)
			}
			if v.Head.RepositoryID != want.RepositoryID || !v.Head.LastUpdated.Equal(want.LastUpdated) ||
				!reflect.DeepEqual(slices.Sorted(maps.Keys(v.Head.Extra)), slices.Sorted(maps.Keys(want.Extra))) {
				t.Errorf("head %+v, want %+v", v.Head, want.Head())
			}
		})
	}
}

// checkFolder compares one folder's reads with the plain document's.
func checkFolder(t *testing.T, v *Version, want *backend.SourceMetadata, f string) {
	t.Helper()
	var got []string
	req := backend.PageRequest{Limit: 3}
	for range 1000 {
		page, err := v.FolderPage(f, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Items {
			got = append(got, e.Path)
		}
		if page.Next == "" {
			break
		}
		req.Cursor = page.Next
	}
	ref, _ := want.FolderPage(f, backend.PageRequest{Limit: 1 << 30})
	var wantNames []string
	for _, e := range ref.Items {
		wantNames = append(wantNames, e.Path)
	}
	if !slices.Equal(got, wantNames) {
		t.Fatalf("folder %q = %q\nwant %q", f, got, wantNames)
	}
	var under, wantUnder []string
	if err := v.Under(f, func(p string, typ backend.EntryType) bool {
		under = append(under, p)
		if typ != want.Objects[p].Type && want.Objects[p].Problem == "" {
			t.Errorf("type of %q = %q, want %q", p, typ, want.Objects[p].Type)
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	for _, p := range slices.Sorted(maps.Keys(want.Objects)) {
		if p != f && (f == "" || strings.HasPrefix(p, f+"/")) {
			wantUnder = append(wantUnder, p)
		}
	}
	if !slices.Equal(under, wantUnder) {
		t.Fatalf("under %q = %q\nwant %q", f, under, wantUnder)
	}
}

// A random batch merged into the stream of an index writes the document
// the same batch makes of the plain document in memory; the output is
// sorted, keeps every entry it does not change byte for byte, and reads
// back as the plain decoder reads it.
func TestMergeWritesWhatThePlainDocumentBecomes(t *testing.T) {
	repo := backend.RepoRef{AccountID: "acct", RepositoryID: "repo"}
	for seed := range 40 {
		rng := rand.New(rand.NewPCG(uint64(seed), 11))
		doc := genDoc(rng, rng.IntN(300), seed%3 != 0)
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			want := plain(t, doc)
			v, _ := build(t, doc)
			b := randomBatch(rng, &want)
			plan, err := b.Plan(repo, v)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			bl, err := WriteDoc(&out, repo, baseNow, v.Head, v.Source(), plan.Writes)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := want.Apply(repo, b); err != nil {
				t.Fatal(err)
			}
			got := plain(t, out.Bytes())
			if len(got.Objects) != len(want.Objects) {
				t.Fatalf("%d entries, want %d", len(got.Objects), len(want.Objects))
			}
			orig := plain(t, doc)
			for p, m := range want.Objects {
				g, ok := got.Objects[p]
				if o, existed := orig.Objects[p]; !existed || o.ID != m.ID {
					g.ID, m.ID = "", "" // a new id is new each time it is made
				}
				if !ok || enc(t, g) != enc(t, m) {
					t.Fatalf("entry %q = %s\nwant %s", p, enc(t, g), enc(t, m))
				}
			}
			if !bl.Sorted {
				t.Error("the merged document is not sorted")
			}
			for k := range want.Extra {
				if !sameJSON(t, got.Extra[k], want.Extra[k]) {
					t.Errorf("top-level %q = %s, want %s", k, got.Extra[k], want.Extra[k])
				}
			}
			untouched := map[string]bool{}
			for p := range want.Objects {
				untouched[p] = true
			}
			for _, w := range plan.Writes {
				delete(untouched, w.Path)
			}
			for p := range untouched {
				raw, _, _ := v.Raw(p)
				if !bytes.Contains(out.Bytes(), raw) {
					t.Fatalf("untouched entry %q not copied byte for byte", p)
				}
			}
		})
	}
}

var baseNow = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// randomBatch picks changes touching entries of m and new paths.
func randomBatch(rng *rand.Rand, m *backend.SourceMetadata) *backend.MetadataBatch {
	b := backend.NewMetadataBatch(baseNow)
	keys := slices.Sorted(maps.Keys(m.Objects))
	pick := func() string {
		if len(keys) == 0 || rng.IntN(4) == 0 {
			return fmt.Sprintf("new/d%d/f%d.txt", rng.IntN(3), rng.IntN(100))
		}
		return keys[rng.IntN(len(keys))]
	}
	for range rng.IntN(30) {
		p := pick()
		switch rng.IntN(7) {
		case 0, 1:
			b.Stored(backend.ObjectInfo{Path: p, Size: int64(rng.IntN(1000)), ContentType: "text/plain", Checksum: "sha256:00"})
		case 2:
			b.Removed(p)
		case 3:
			b.Prune(backend.ParentFolder(p))
		case 4:
			b.Set(p, backend.ObjectMeta{ID: "set", Type: backend.TypeFile, Size: 1})
		case 5:
			b.Delete(p)
		case 6:
			was, ok := m.Objects[p]
			var wp *backend.ObjectMeta
			if ok {
				wp = &was
			}
			b.Fix(p, wp, &backend.ObjectInfo{Path: p, Size: 5, Checksum: "sha256:11", CRC32C: "00000000"}, rng.IntN(2) == 0)
		}
	}
	return b
}

// sameJSON compares two JSON texts by meaning, numbers exactly.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	dec := func(raw []byte) any {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		return v
	}
	return reflect.DeepEqual(dec(a), dec(b))
}
