package repair

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/backendtest"
)

// independent checksums, computed here rather than with ContentHash.
func wantSHA256(b []byte) string { return backendtest.SHA256(b) }

// byPath sorts "action path" lines by path, as reports are.
func byPath(lines []string) []string {
	slices.SortFunc(lines, func(a, b string) int {
		return strings.Compare(a[strings.IndexByte(a, ' '):], b[strings.IndexByte(b, ' '):])
	})
	return lines
}

// summary lists a report's changes as "action path" lines.
func summary(cs []Change) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, string(c.Action)+" "+c.Path)
	}
	return out
}

// checkMatches fails unless the metadata matches the objects exactly, as
// a repair leaves it (see backendtest.CheckMetadata: folder entries may
// stand alone), and returns it.
func checkMatches(t *testing.T, e *env) backend.SourceMetadata {
	t.Helper()
	_, doc := backendtest.CheckMetadata(t, e.store, testRepo, backendtest.EmptyFoldersAllowed)
	return doc
}

// The scene every repair test starts from: entries right and wrong, and
// objects with none.
func (e *env) scene(t *testing.T) {
	t.Helper()
	custom := func(p, body, id string) {
		info := e.put(t, p, body)
		m := backend.NewObjectMeta(testRepo, info, nil, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
		m.ID = id
		m.Metadata = map[string]any{"owner": "ops", "p": p}
		e.record(t, p, m)
	}
	custom("keep/a.txt", "kept as it is\n", "id-keep")
	custom("keep/deep/b.csv", "x,y\n1,2\n", "id-deep")
	custom("gone.txt", "deleted behind the metadata's back\n", "id-gone")
	custom("resized.txt", "short\n", "id-resized")
	custom("tampered.txt", "twelve bytes", "id-tampered")
	custom("nocrc.txt", "no crc recorded\n", "id-nocrc")
	e.record(t, "emptydir", backend.ObjectMeta{ID: "id-emptydir", Type: backend.TypeDirectory, Metadata: map[string]any{}})

	ctx := context.Background()
	if err := e.store.DeleteObject(ctx, testRepo, "gone.txt"); err != nil {
		t.Fatal(err)
	}
	e.put(t, "resized.txt", "a longer content than before\n")
	e.put(t, "orphan.json", `{"stored": "but never recorded"}`)
	e.put(t, "orphan/x/y.bin", "\x00\x01\x02binary")
	e.raw(t, "raw/tool.csv", []byte("a,b\n3,4\n"))
	backendtest.Edit(t, e.store, testRepo, func(doc *backend.SourceMetadata) {
		m := doc.Objects["tampered.txt"]
		m.Checksum = wantSHA256([]byte("TWELVE BYTES")) // same size, other content
		doc.Objects["tampered.txt"] = m
		m = doc.Objects["nocrc.txt"]
		m.CRC32C = ""
		doc.Objects["nocrc.txt"] = m
	})
}

func TestRepair(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.scene(t)
		wantAdds := []string{"add keep", "add keep/deep", "add orphan", "add orphan.json", "add orphan/x",
			"add orphan/x/y.bin", "add raw", "add raw/tool.csv"}
		if e.name == "aws" {
			// A folder marker another tool made: the folder gets an entry.
			e.raw(t, "marker/", nil)
			wantAdds = append(wantAdds, "add marker")
		}
		want := byPath(slices.Concat([]string{"remove gone.txt"}, wantAdds, []string{"update resized.txt"}))

		before := e.metadata(t)
		rep, err := Run(ctx, e.store, testRepo, Options{DryRun: true, Workers: 3})
		if err != nil {
			t.Fatal(err)
		}
		if got := summary(rep.Changes); !slices.Equal(got, want) {
			t.Errorf("dry run changes:\n got %q\nwant %q", got, want)
		}
		if rep.Written || rep.Added != len(wantAdds) || rep.Removed != 1 || rep.Updated != 1 || rep.ChecksumsDiffered != 0 {
			t.Errorf("dry run report %+v", rep)
		}
		if rep.Objects != 8 || rep.Entries != 7 || rep.Read != 4 {
			t.Errorf("dry run counted %d objects, %d entries, read %d; want 8, 7, 4", rep.Objects, rep.Entries, rep.Read)
		}
		if after := e.metadata(t); !reflect.DeepEqual(after, before) {
			t.Errorf("a dry run changed the metadata")
		}
		rep, err = Run(ctx, e.store, testRepo, Options{DryRun: true, Verify: true})
		if err != nil {
			t.Fatal(err)
		}
		wantV := byPath(slices.Concat(want, []string{"update nocrc.txt", "update tampered.txt"}))
		if got := summary(rep.Changes); !slices.Equal(got, wantV) || rep.ChecksumsDiffered != 1 || rep.Read != 8 {
			t.Errorf("dry run --verify: %q, %d checksums differed, %d read", got, rep.ChecksumsDiffered, rep.Read)
		}
		if after := e.metadata(t); !reflect.DeepEqual(after, before) {
			t.Errorf("a dry run with verify changed the metadata")
		}

		// Without verify: the tampered checksum stays.
		rep, err = Run(ctx, e.store, testRepo, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := summary(rep.Changes); !slices.Equal(got, want) || !rep.Written {
			t.Errorf("repair changes %q (written %v), want %q", got, rep.Written, want)
		}
		doc := e.metadata(t)
		if doc.Objects["tampered.txt"].Checksum == wantSHA256([]byte("twelve bytes")) {
			t.Errorf("repair without --verify fixed a checksum it should not have read")
		}
		m := doc.Objects["resized.txt"]
		if m.ID != "id-resized" || m.Metadata["owner"] != "ops" || !m.CreatedAt.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) {
			t.Errorf("resized.txt lost its id, creation time or metadata: %+v", m)
		}
		for p, mt := range map[string]string{"orphan.json": "application/json", "raw/tool.csv": "text/csv"} {
			if got := doc.Objects[p].MimeType; !strings.HasPrefix(got, mt) {
				t.Errorf("%s: mime type %q, want %s", p, got, mt)
			}
		}
		if d := doc.Objects["orphan/x"]; d.Type != backend.TypeDirectory || !backendtest.IsUUID(d.ID) {
			t.Errorf("folder entry orphan/x: %+v", d)
		}

		// With verify: the checksum that differs is fixed and reported.
		rep, err = Run(ctx, e.store, testRepo, Options{Verify: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := summary(rep.Changes); !slices.Equal(got, []string{"update nocrc.txt", "update tampered.txt"}) || rep.ChecksumsDiffered != 1 {
			t.Errorf("repair --verify: %q, %d checksums differed", got, rep.ChecksumsDiffered)
		}
		for _, c := range rep.Changes {
			wantReason := map[string]string{"nocrc.txt": ReasonCRC32CMissing, "tampered.txt": ReasonChecksumDiffers}[c.Path]
			if !slices.Equal(c.Reasons, []string{wantReason}) || c.Before == nil || c.After == nil {
				t.Errorf("%s: reasons %q, before %v, after %v", c.Path, c.Reasons, c.Before, c.After)
			}
		}
		doc = checkMatches(t, e)
		for p, id := range map[string]string{"keep/a.txt": "id-keep", "keep/deep/b.csv": "id-deep", "resized.txt": "id-resized",
			"tampered.txt": "id-tampered", "nocrc.txt": "id-nocrc"} {
			if m := doc.Objects[p]; m.ID != id || m.Metadata["owner"] != "ops" || m.Metadata["p"] != p {
				t.Errorf("%s: id %q, metadata %v; want %s and the custom metadata", p, m.ID, m.Metadata, id)
			}
		}
		if m, ok := doc.Objects["emptydir"]; !ok || m.ID != "id-emptydir" {
			t.Errorf("the empty folder's entry was not left alone: %+v", m)
		}
		if _, ok := doc.Objects["gone.txt"]; ok {
			t.Errorf("the stale entry gone.txt is still there")
		}

		// Nothing left to do: nothing written.
		rep, err = Run(ctx, e.store, testRepo, Options{Verify: true})
		if err != nil || len(rep.Changes) != 0 || rep.Written {
			t.Errorf("repair of a sound repository: %v, %+v", err, rep)
		}
	})
}

// racer is a real store with another writer that records entries just
// before the repair writes its own.
type racer struct {
	backend.Store
	other func(ctx context.Context) error
}

func (r *racer) UpdateMetadata(ctx context.Context, repo backend.RepoRef, b *backend.MetadataBatch) (backend.MetadataResult, error) {
	if r.other != nil {
		other := r.other
		r.other = nil
		if err := other(ctx); err != nil {
			return backend.MetadataResult{}, err
		}
	}
	return r.Store.UpdateMetadata(ctx, repo, b)
}

// An entry another writer records or changes while the repair runs wins,
// unless verify finds its checksum wrong.
func TestRepairRespectsNewerEntries(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		for _, verify := range []bool{false, true} {
			dir := fmt.Sprintf("verify-%v", verify)
			fresh, other, stale := dir+"/fresh.txt", dir+"/other.txt", dir+"/stale.txt"
			freshInfo := e.put(t, fresh, "fresh content\n")
			otherInfo := e.put(t, other, "other content\n")
			e.record(t, dir, backend.ObjectMeta{ID: "id-" + dir, Type: backend.TypeDirectory, Metadata: map[string]any{}})
			e.record(t, stale, backend.ObjectMeta{ID: "id-stale", Type: backend.TypeFile, Size: 3, Checksum: wantSHA256([]byte("old")), Metadata: map[string]any{}})
			later := time.Now().Add(time.Hour).UTC()
			r := &racer{Store: e.store, other: func(ctx context.Context) error {
				stored := e.put(t, stale, "uploaded meanwhile\n")
				b := backend.NewMetadataBatch(later)
				by := map[string]any{"by": "other"}
				m := backend.NewObjectMeta(testRepo, freshInfo, nil, later)
				m.Metadata = by
				b.Set(fresh, m)
				wrong := otherInfo
				wrong.Checksum = wantSHA256([]byte("OTHER CONTENT\n"))
				m = backend.NewObjectMeta(testRepo, wrong, nil, later)
				m.Metadata = by
				b.Set(other, m)
				b.Set(stale, backend.NewObjectMeta(testRepo, stored, nil, later))
				_, err := e.store.UpdateMetadata(ctx, testRepo, b)
				return err
			}}
			rep, err := Run(context.Background(), r, testRepo, Options{Verify: verify})
			if err != nil {
				t.Fatal(err)
			}
			if r.other != nil {
				t.Fatal("the other writer never ran")
			}
			wantKept := []string{"keep " + fresh, "keep " + other, "keep " + stale}
			var wantChanges []string
			if verify {
				wantKept = []string{"keep " + stale}
				wantChanges = []string{"update " + other}
			}
			var got []string
			for _, c := range rep.Changes {
				if strings.HasPrefix(c.Path, dir) {
					got = append(got, string(c.Action)+" "+c.Path)
				}
			}
			if !slices.Equal(got, wantChanges) || !slices.Equal(summary(rep.Kept), wantKept) {
				t.Errorf("verify=%v: changes %q, kept %q; want %q and %q", verify, got, summary(rep.Kept), wantChanges, wantKept)
			}
			doc := e.metadata(t)
			for _, p := range []string{fresh, other} {
				if m := doc.Objects[p]; m.Metadata["by"] != "other" || !m.CreatedAt.Equal(later) {
					t.Errorf("verify=%v: %s is not the other writer's entry: %+v", verify, p, m)
				}
			}
			if m := doc.Objects[stale]; m.Size != int64(len("uploaded meanwhile\n")) {
				t.Errorf("verify=%v: the entry recorded meanwhile for %s was not kept: %+v", verify, stale, m)
			}
			wantSum := wantSHA256([]byte("OTHER CONTENT\n"))
			if verify {
				wantSum = wantSHA256([]byte("other content\n"))
			}
			if got := doc.Objects[other].Checksum; got != wantSum {
				t.Errorf("verify=%v: %s checksum %s, want %s", verify, other, got, wantSum)
			}
		}
	})
}

func TestRepairMissingRepository(t *testing.T) {
	e := newLocal(t)
	_, err := Run(context.Background(), e.store, backend.RepoRef{AccountID: "acme", RepositoryID: "nope"}, Options{})
	if !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("repair of a missing repository: %v, want not found", err)
	}
	_, err = Run(context.Background(), e.store, backend.RepoRef{AccountID: "acme", RepositoryID: "bad/name"}, Options{})
	if !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("repair of an invalid name: %v, want invalid", err)
	}
}

// repo repair --verify takes a SHA-256 recorded as bare hex (any case) for
// what it is, and never calls a checksum of another algorithm different.
func TestVerifyReadsChecksumsOtherToolsRecord(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		for p, spell := range map[string]func(string) string{
			"bare.txt":  func(s string) string { return strings.ToUpper(strings.TrimPrefix(s, "sha256:")) },
			"upper.txt": func(s string) string { return "SHA256:" + strings.TrimPrefix(s, "sha256:") },
			"md5.txt":   func(string) string { return "md5:5d41402abc4b2a76b9719d911017c592" },
		} {
			info := e.put(t, p, "content of "+p+"\n")
			m := backend.NewObjectMeta(testRepo, info, nil, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
			m.Checksum = spell(m.Checksum)
			e.record(t, p, m)
		}
		rep, err := Run(context.Background(), e.store, testRepo, Options{Verify: true, DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range rep.Changes {
			t.Errorf("verify changes an entry whose checksum is right: %s %s %v", c.Action, c.Path, c.Reasons)
		}
		if rep.ChecksumsDiffered != 0 {
			t.Errorf("ChecksumsDiffered = %d, want 0", rep.ChecksumsDiffered)
		}
	})
}

// reversedWalk is a store whose object walk is not in byte order, as a
// store coop does not know might list.
type reversedWalk struct{ backend.Store }

func (r reversedWalk) Capabilities() backend.Capabilities {
	c := backend.CapabilitiesOf(r.Store)
	c.Walk = r
	return c
}

func (r reversedWalk) WalkObjects(ctx context.Context, repo backend.RepoRef, folder string, fn func([]backend.Entry) error) error {
	var all []backend.Entry
	err := backend.Walk(ctx, r.Store, repo, folder, func(page []backend.Entry) error {
		all = append(all, page...)
		return nil
	})
	if err != nil {
		return err
	}
	slices.Reverse(all)
	return fn(all)
}

// A listing out of byte order is compared in memory instead, with the
// same result as the streaming comparison.
func TestRepairWithUnorderedListing(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		e.scene(t)
		want, err := Run(context.Background(), e.store, testRepo, Options{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Run(context.Background(), reversedWalk{e.store}, testRepo, Options{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(summary(got.Changes), summary(want.Changes)) || got.Objects != want.Objects || got.Entries != want.Entries {
			t.Errorf("unordered listing: %q (%d objects, %d entries), ordered: %q (%d, %d)",
				summary(got.Changes), got.Objects, got.Entries, summary(want.Changes), want.Objects, want.Entries)
		}
		rep, err := Run(context.Background(), reversedWalk{e.store}, testRepo, Options{Verify: true})
		if err != nil || !rep.Written {
			t.Fatalf("repair through the unordered listing: %v %+v", err, rep)
		}
		checkMatches(t, e)
	})
}
