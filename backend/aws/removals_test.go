package aws

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
)

// countingTyper counts the types a plan asks the version for.
type countingTyper struct {
	entryTyper
	asked []string
}

func (c *countingTyper) EntryType(path string) (backend.EntryType, bool, error) {
	c.asked = append(c.asked, path)
	return c.entryTyper.EntryType(path)
}

// The types of the entries a batch's keys had are read as its answer
// comes, and the metadata write after the last batch takes them instead
// of reading the index: its plan asks the index only for paths no batch
// removed, and is the plan a one-shot read makes, for random batches of
// nested folders emptied, a folder left with one key, keys the index
// does not know and keys S3 refused.
func TestBatchesReadTheTypesOfTheirRemovalsAhead(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ref := newRepo(t, s)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	b := backend.NewMetadataBatch(time.Time{})
	var files []backend.Entry
	for i := range 120 {
		p := fmt.Sprintf("top/%c/%c/f%03d", 'a'+r.IntN(3), 'a'+r.IntN(3), i)
		if i == 0 {
			p = "top/keep/one"
		}
		info, err := s.PutObject(ctx, ref, p, strings.NewReader("x"), 1)
		if err != nil {
			t.Fatal(err)
		}
		b.Stored(info)
		files = append(files, backend.Entry{Path: p, Name: p[strings.LastIndexByte(p, '/')+1:], Type: backend.TypeFile})
	}
	if _, err := s.UpdateMetadata(ctx, ref, b); err != nil {
		t.Fatal(err)
	}
	// Keys the index does not know, written beside coop.
	for _, p := range []string{"top/a/stray", "top/zz/stray"} {
		if _, err := s.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.cfg.Bucket, Key: sdkaws.String(repoPrefix(ref) + p), Body: strings.NewReader("y")}); err != nil {
			t.Fatal(err)
		}
		files = append(files, backend.Entry{Path: p, Type: backend.TypeFile})
	}
	r.Shuffle(len(files)-1, func(i, j int) { files[i+1], files[j+1] = files[j+1], files[i+1] })
	gone := files[1:]             // all but top/keep/one
	refused := gone[len(gone)-5:] // as if S3 had refused these
	gone = gone[:len(gone)-5]
	after := backend.NewMetadataBatch(time.Time{})
	for len(gone) > 0 {
		n := min(len(gone), 1+r.IntN(30))
		batch := slices.Clone(gone[:n])
		slices.SortFunc(batch, func(a, b backend.Entry) int { return strings.Compare(a.Path, b.Path) })
		failed, err := s.DeleteObjects(ctx, ref, batch)
		if err != nil || len(failed) > 0 {
			t.Fatal(failed, err)
		}
		for _, e := range batch {
			after.Removed(e.Path)
		}
		gone = gone[n:]
	}
	failed := map[string]error{}
	for _, e := range refused {
		failed[e.Path] = fmt.Errorf("refused")
	}
	s.noteRemoved(ref, refused, failed)
	after.Removed("top/never/there")
	after.Prune("top")

	dir := s.indexDir(ref)
	h := s.versions.Current(dir)
	if h == nil {
		t.Fatal("the store holds no version of the document")
	}
	defer h.Release()
	full, err := after.Plan(ref, h.Version)
	if err != nil {
		t.Fatal(err)
	}
	view := s.removed.take(dir, h.Ident, h.Version)
	tv, ok := view.(typedView)
	if !ok {
		t.Fatalf("no types read ahead for the write (%T)", view)
	}
	if again := s.removed.take(dir, h.Ident, h.Version); again != backend.MetadataView(h.Version) {
		t.Error("the types read ahead were not forgotten once taken")
	}
	counter := &countingTyper{entryTyper: tv.typer}
	tv.typer = counter
	plan, err := after.Plan(ref, tv)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range counter.asked {
		if p != "top/never/there" && !slices.ContainsFunc(refused, func(e backend.Entry) bool { return e.Path == p }) {
			t.Errorf("the plan read the type of %s from the index", p)
		}
	}
	if !reflect.DeepEqual(plan, full) {
		t.Errorf("the plan differs from a one-shot read's:\n%+v\nwant\n%+v", plan.Writes, full.Writes)
	}

	// Written through the store: the document loses exactly the entries
	// of the keys removed.
	if _, err := s.UpdateMetadata(ctx, ref, after); err != nil {
		t.Fatal(err)
	}
	var left []string
	if _, err := s.ReadMetadata(ctx, ref, "", func(es []backend.MetadataEntry) error {
		for _, e := range es {
			left = append(left, e.Path)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"top", "top/keep", "top/keep/one"}
	for _, e := range refused {
		if !strings.HasSuffix(e.Path, "stray") {
			want = append(want, e.Path)
			for d := backend.ParentFolder(e.Path); d != "top" && d != ""; d = backend.ParentFolder(d) {
				want = append(want, d)
			}
		}
	}
	slices.Sort(want)
	want = slices.Compact(want)
	if !reflect.DeepEqual(left, want) {
		t.Errorf("entries left %q, want %q", left, want)
	}
}

// typesFromCounter counts the entries of the index a view reads.
type typesFromCounter struct {
	entryTyper
	entries, types int
}

func (c *typesFromCounter) TypesFrom(from string, buf []byte, fn func(string, backend.EntryType) bool) error {
	return c.entryTyper.TypesFrom(from, buf, func(p string, t backend.EntryType) bool {
		c.entries++
		return fn(p, t)
	})
}

func (c *typesFromCounter) EntryType(path string) (backend.EntryType, bool, error) {
	c.types++
	return c.entryTyper.EntryType(path)
}

// A recursive delete's batches come in a listing's order, each a run of
// the document: the types of their removals are read in one pass of the
// index per batch, through one buffer, and the plan's look for a file
// left below the emptied folders (every entry under them) reads what
// the batches read, not the index again. Entries outside the batches'
// runs come from the index, and the plan is the one a one-shot read
// makes. Before, each block was read into a fresh buffer (5 batches of
// 1,000: 2.65 MB allocated, now 0.55 MB), and the plan scanned the
// folder's 5,000 entries again (plan 3.76 MB, now 2.3 MB).
func TestListedBatchesServeThePlanFromTheirRuns(t *testing.T) {
	s := newStore(t)
	ref := newRepo(t, s)
	ctx := context.Background()
	b := backend.NewMetadataBatch(time.Time{})
	var files []backend.Entry
	now := time.Now()
	for i := range 5000 {
		p := fmt.Sprintf("top/d/f%05d", i)
		if i%700 == 3 {
			p = fmt.Sprintf("top/d/s%05d/f", i) // a subfolder: its entry has no key
		}
		b.Stored(backend.ObjectInfo{Path: p, Size: 1, ModTime: now, ETag: `"e"`})
		files = append(files, backend.Entry{Path: p, Name: path.Base(p), Type: backend.TypeFile})
	}
	b.Stored(backend.ObjectInfo{Path: "top/keep", Size: 1, ModTime: now, ETag: `"e"`})
	if _, err := s.UpdateMetadata(ctx, ref, b); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(files, func(a, b backend.Entry) int { return strings.Compare(a.Path, b.Path) })
	dir := s.indexDir(ref)
	h := s.versions.Current(dir)
	if h == nil {
		t.Fatal("the store holds no version of the document")
	}
	defer h.Release()
	after := backend.NewMetadataBatch(time.Time{})
	for _, e := range files {
		after.Removed(e.Path)
	}
	after.Prune("top/d")
	full, err := after.Plan(ref, h.Version)
	if err != nil {
		t.Fatal(err)
	}

	// The fewest bytes of three tries: the store's own goroutines (its
	// connections, the cache's sweep) may allocate meanwhile.
	var (
		tv             typedView
		counter        *typesFromCounter
		reading, plans uint64 = math.MaxUint64, math.MaxUint64
	)
	for range 3 {
		var before, mid, done runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := 0; i < len(files); i += 1000 {
			s.noteRemoved(ref, files[i:min(i+1000, len(files))], nil)
		}
		runtime.ReadMemStats(&mid)
		view := s.removed.take(dir, h.Ident, h.Version)
		var ok bool
		if tv, ok = view.(typedView); !ok {
			t.Fatalf("no types read ahead for the write (%T)", view)
		}
		counter = &typesFromCounter{entryTyper: tv.typer}
		tv.typer = counter
		plan, err := after.Plan(ref, tv)
		if err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&done)
		if !reflect.DeepEqual(plan, full) {
			t.Fatalf("the plan differs from a one-shot read's:\n%+v\nwant\n%+v", plan.Writes, full.Writes)
		}
		reading = min(reading, mid.TotalAlloc-before.TotalAlloc)
		plans = min(plans, done.TotalAlloc-mid.TotalAlloc)
	}
	// What lies before the first batch's key and after the last one's.
	if counter.types > 0 || counter.entries > 10 {
		t.Errorf("the plan read %d types and %d entries of the index, want 0 and at most 10", counter.types, counter.entries)
	}
	// (The race detector's own allocations would be counted too.)
	if reading > 1<<20 && !raceBuild {
		t.Errorf("reading 5 batches' types allocated %d bytes, want at most 1 MiB", reading)
	}
	if plans > 3<<20 && !raceBuild {
		t.Errorf("planning their write allocated %d bytes, want at most 3 MiB", plans)
	}

	// Every type and every folder's entries as the index tells them.
	var folders []string
	if err := h.Under("", func(p string, typ backend.EntryType) bool {
		if typ == backend.TypeDirectory {
			folders = append(folders, p)
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	for _, f := range append(folders, "top/d/f00001", "top/c", "top/e", "zz") {
		var got, want []string
		collect := func(to *[]string) func(string, backend.EntryType) bool {
			return func(p string, typ backend.EntryType) bool {
				*to = append(*to, p+" "+string(typ))
				return true
			}
		}
		if err := tv.Under(f, collect(&got)); err != nil {
			t.Fatal(err)
		}
		if err := h.Under(f, collect(&want)); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("under %s: %d entries, want %d", f, len(got), len(want))
		}
	}
	for _, p := range append(folders, "top/d/f00001", "top/d/f00001x", "top/d/g", "top/keep", "top/d/s00003") {
		gt, gok, gerr := tv.EntryType(p)
		wt, wok, werr := h.EntryType(p)
		if gt != wt || gok != wok || (gerr == nil) != (werr == nil) {
			t.Errorf("type of %s: %q %v %v, want %q %v %v", p, gt, gok, gerr, wt, wok, werr)
		}
	}
}
