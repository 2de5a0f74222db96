package aws

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
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
