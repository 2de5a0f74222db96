package backendtest

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

// Capability names one optional capability of backend/optional.go, as
// RunCapabilities takes them.
type Capability string

// The optional capabilities.
const (
	ConditionalPut  Capability = "ConditionalPut"
	BatchDelete     Capability = "BatchDelete"
	Walk            Capability = "Walk"
	CleanIncomplete Capability = "CleanIncomplete"
	RangeGet        Capability = "RangeGet"
	RebuildMetadata Capability = "RebuildMetadata"
	Presign         Capability = "Presign"
)

// AllCapabilities lists every optional capability.
func AllCapabilities() []Capability {
	return []Capability{ConditionalPut, BatchDelete, Walk, CleanIncomplete, RangeGet, RebuildMetadata, Presign}
}

// Offered lists the capabilities backend.CapabilitiesOf(s) reports.
func Offered(s any) []Capability {
	c := backend.CapabilitiesOf(s)
	var out []Capability
	for _, x := range []struct {
		name Capability
		has  bool
	}{{ConditionalPut, c.ConditionalPut != nil}, {BatchDelete, c.BatchDelete != nil}, {Walk, c.Walk != nil},
		{CleanIncomplete, c.CleanIncomplete != nil}, {RangeGet, c.RangeGet != nil}, {RebuildMetadata, c.RebuildMetadata != nil}, {Presign, c.Presign != nil}} {
		if x.has {
			out = append(out, x.name)
		}
	}
	return out
}

// plain hides every optional capability of the store it holds: through
// it, the functions of backend/optional.go take their fallback paths.
type plain struct{ backend.Store }

// RunCapabilities checks that the stores newStore returns offer exactly
// the capabilities want, and runs each capability's check twice: through
// the store (its native path, if it has one) and through a view of the
// store without any optional capability (the fallback of
// backend/optional.go). Both paths must give the same result, except
// RebuildMetadata, whose fallback refuses (errors.ErrUnsupported).
func RunCapabilities(t *testing.T, newStore func(t *testing.T) backend.Store, want []Capability, hooks ...Hooks) {
	var h Hooks
	if len(hooks) > 0 {
		h = hooks[0]
	}
	t.Run("Offered", func(t *testing.T) {
		s := newStore(t)
		if got := Offered(s); !slices.Equal(got, want) {
			t.Errorf("the store offers %v, want %v", got, want)
		}
		if got := Offered(plain{s}); len(got) != 0 {
			t.Errorf("the plain view offers %v", got)
		}
	})
	checks := map[Capability]func(*testing.T, backend.Store, bool, Hooks){
		ConditionalPut: checkConditionalPut, BatchDelete: checkBatchDelete, Walk: checkWalk,
		CleanIncomplete: checkCleanIncomplete, RangeGet: checkRangeGet, RebuildMetadata: checkRebuild,
		Presign: checkPresign,
	}
	for _, c := range AllCapabilities() {
		t.Run(string(c), func(t *testing.T) {
			if slices.Contains(want, c) {
				t.Run("Native", func(t *testing.T) {
					s := newStore(t)
					if !slices.Contains(Offered(s), c) {
						t.Fatalf("the store does not offer %s", c)
					}
					checks[c](t, s, true, h)
				})
			}
			t.Run("Fallback", func(t *testing.T) { checks[c](t, plain{newStore(t)}, false, h) })
		})
	}
}

func checkConditionalPut(t *testing.T, s backend.Store, _ bool, _ Hooks) {
	ref := newRepo(t, s)
	info, err := backend.PutObjectIfAbsent(ctx(t), s, ref, "dir/new.txt", strings.NewReader("first"), 5)
	must(t, err)
	if info.Path != "dir/new.txt" || info.Size != 5 || info.Checksum != SHA256([]byte("first")) {
		t.Errorf("PutObjectIfAbsent = %s", describe(info))
	}
	_, err = backend.PutObjectIfAbsent(ctx(t), s, ref, "dir/new.txt", strings.NewReader("second"), 6)
	wantErr(t, "PutObjectIfAbsent over an object", err, backend.ErrObjectExists)
	if got := read(t, s, ref, "dir/new.txt"); got != "first" {
		t.Errorf("content after a refused put = %q", got)
	}
}

func checkBatchDelete(t *testing.T, s backend.Store, _ bool, _ Hooks) {
	ref := newRepo(t, s)
	for _, p := range []string{"a/one.txt", "a/b/two.txt", "keep.txt"} {
		put(t, s, ref, p, "x")
	}
	entries := []backend.Entry{
		{Path: "a/one.txt", Name: "one.txt", Type: backend.TypeFile},
		{Path: "a/b/two.txt", Name: "two.txt", Type: backend.TypeFile},
		{Path: "a/gone.txt", Name: "gone.txt", Type: backend.TypeFile}, // never there: counts as removed
	}
	failed, err := backend.DeleteBatch(ctx(t), s, ref, entries)
	must(t, err)
	if len(failed) != 0 {
		t.Errorf("failed = %v", failed)
	}
	if got := rows(listAll(t, s, ref, "", 0)); !slices.Equal(got, []string{"keep.txt"}) {
		t.Errorf("root after the batch = %v, want [keep.txt]", got)
	}
	tooMany := make([]backend.Entry, backend.MaxDeleteBatch+1)
	for i := range tooMany {
		tooMany[i] = backend.Entry{Path: "keep.txt", Name: "keep.txt", Type: backend.TypeFile}
	}
	if _, err := backend.DeleteBatch(ctx(t), s, ref, tooMany); err == nil {
		t.Error("a batch over MaxDeleteBatch was taken")
	}
	if got := read(t, s, ref, "keep.txt"); got != "x" {
		t.Errorf("keep.txt = %q after a refused batch", got)
	}
}

func checkWalk(t *testing.T, s backend.Store, _ bool, _ Hooks) {
	ref := newRepo(t, s)
	// Names that sort between a folder and its contents ("d.txt" and
	// "d-x/y" before "d/…", in byte order) come in their place.
	files := []string{"top.txt", "d/one.txt", "d/e/two.txt", "d/e/f/three.txt", "other/four.txt", "d.txt", "d-x/y.txt", "d/e.txt", "d0.txt"}
	for _, p := range files {
		put(t, s, ref, p, p)
	}
	must(t, s.UpdateObjectMetadata(ctx(t), ref, "top.txt", &backend.ObjectMeta{ID: "1", Type: backend.TypeFile}))
	walk := func(folder string) ([]string, error) {
		var got []string
		err := backend.WalkSorted(ctx(t), s, ref, folder, func(page []backend.Entry) error {
			for _, e := range page {
				if !e.IsDir() {
					got = append(got, e.Path)
				}
			}
			return nil
		})
		if !slices.IsSorted(got) {
			t.Errorf("WalkSorted(%q) not in byte order of paths: %q", folder, got)
		}
		return got, err
	}
	got, err := walk("")
	must(t, err)
	if want := slices.Sorted(slices.Values(files)); !slices.Equal(got, want) {
		t.Errorf("Walk(root) = %v, want %v (never the metadata file)", got, want)
	}
	got, err = walk("d")
	must(t, err)
	if want := []string{"d/e.txt", "d/e/f/three.txt", "d/e/two.txt", "d/one.txt"}; !slices.Equal(got, want) {
		t.Errorf("Walk(d) = %v, want %v", got, want)
	}
	_, err = walk("nope")
	wantErr(t, "Walk of a missing folder", err, backend.ErrNotFound)
	stop := errors.New("stop")
	if err := backend.Walk(ctx(t), s, ref, "", func([]backend.Entry) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("an error from fn gave %v", err)
	}
}

func checkCleanIncomplete(t *testing.T, s backend.Store, _ bool, _ Hooks) {
	ref := newRepo(t, s)
	put(t, s, ref, "d/kept.txt", "kept")
	n, err := backend.CleanIncomplete(ctx(t), s, ref, "", true, time.Nanosecond)
	must(t, err)
	if n != 0 {
		t.Errorf("CleanIncomplete removed %d leftovers from a repository with none", n)
	}
	if got := read(t, s, ref, "d/kept.txt"); got != "kept" {
		t.Errorf("a stored object was touched: %q", got)
	}
}

// checkPresign fetches a presigned URL with a plain HTTP client, with no
// credentials; a missing object gets no link, nor does a bad expiry. The
// fallback refuses (errors.ErrUnsupported).
func checkPresign(t *testing.T, s backend.Store, native bool, _ Hooks) {
	ref := newRepo(t, s)
	put(t, s, ref, "dir/linked.txt", "read me by link")
	u, err := backend.PresignGetObject(ctx(t), s, ref, "dir/linked.txt", time.Minute)
	if !native {
		if !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("fallback PresignGetObject = %q, %v; want ErrUnsupported", u, err)
		}
		return
	}
	must(t, err)
	resp, err := http.Get(u)
	must(t, err)
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || string(body) != "read me by link" {
		t.Errorf("GET %s: %s %q %v", u, resp.Status, body, err)
	}
	if _, err := backend.PresignGetObject(ctx(t), s, ref, "dir/none.txt", time.Minute); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("link to a missing object: %v; want ErrNotFound", err)
	}
	for _, d := range []time.Duration{0, backend.MaxPresignExpiry + time.Second} {
		if _, err := backend.PresignGetObject(ctx(t), s, ref, "dir/linked.txt", d); !errors.Is(err, backend.ErrInvalid) {
			t.Errorf("link for %s: %v; want ErrInvalid", d, err)
		}
	}
}

func checkRangeGet(t *testing.T, s backend.Store, _ bool, _ Hooks) {
	ref := newRepo(t, s)
	body := strings.Repeat("0123456789", 10)
	put(t, s, ref, "r.bin", body)
	get := func(off, n int64, etag string) (string, error) {
		rc, err := backend.GetObjectRange(ctx(t), s, ref, "r.bin", off, n, etag)
		if err != nil {
			return "", err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		return string(b), err
	}
	for _, c := range []struct {
		off, n int64
		want   string
	}{{0, 10, body[:10]}, {15, 20, body[15:35]}, {90, -1, body[90:]}, {95, 50, body[95:]}} {
		got, err := get(c.off, c.n, "")
		if err != nil || got != c.want {
			t.Errorf("range %d+%d = %q, %v; want %q", c.off, c.n, got, err, c.want)
		}
	}
	info, err := s.StatObject(ctx(t), ref, "r.bin")
	must(t, err)
	if info.ETag == "" {
		return // the store has no ETags to compare
	}
	if got, err := get(5, 5, info.ETag); err != nil || got != body[5:10] {
		t.Errorf("range with the object's ETag = %q, %v", got, err)
	}
	put(t, s, ref, "r.bin", "replaced")
	_, err = get(0, 5, info.ETag)
	wantErr(t, "range of a replaced object with the old ETag", err, backend.ErrObjectChanged)
}

func checkRebuild(t *testing.T, s backend.Store, native bool, h Hooks) {
	ref := newRepo(t, s)
	put(t, s, ref, "a.txt", "a")
	must(t, s.UpdateObjectMetadata(ctx(t), ref, "a.txt", &backend.ObjectMeta{ID: "1", Type: backend.TypeFile}))
	base := s
	if p, ok := s.(plain); ok {
		base = p.Store
	}
	h.writeRaw(t, base, ref, []byte(CorruptMetadataContent))
	backup := backend.CorruptMetadataName(baseTime)
	build := func(raw []byte) (backend.SourceMetadata, error) {
		if string(raw) != CorruptMetadataContent {
			t.Errorf("build got %q", raw)
		}
		return backend.SourceMetadata{RepositoryID: ref.RepositoryID, AccountID: ref.AccountID,
			Objects: map[string]backend.ObjectMeta{"a.txt": {ID: "2", Type: backend.TypeFile, Size: 1}}}, nil
	}
	_, err := backend.RebuildMetadata(ctx(t), s, ref, backup, build)
	if !native {
		wantErr(t, "RebuildMetadata without the capability", err, errors.ErrUnsupported)
		_, rerr := s.ReadObjectMetadata(ctx(t), ref, "a.txt")
		wantErr(t, "ReadMetadata after a refused rebuild", rerr, backend.ErrMetadataCorrupt)
		return
	}
	must(t, err)
	md := load(t, s, ref)
	if md.Objects["a.txt"].ID != "2" {
		t.Errorf("rebuilt entry = %s", describe(md.Objects["a.txt"]))
	}
	if _, ok := md.Objects[backup]; !ok {
		t.Errorf("no entry for the backup %s: %v", backup, md.Objects)
	}
	if got := read(t, s, ref, backup); got != CorruptMetadataContent {
		t.Errorf("backup holds %q", got)
	}
}
