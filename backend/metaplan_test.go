package backend

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// typedView is a view that tells types without decoding, and counts the
// entries it decodes.
type typedView struct {
	MetadataView
	doc     *SourceMetadata
	decoded int
}

func (v *typedView) Entry(path string) (ObjectMeta, bool, error) {
	v.decoded++
	return v.MetadataView.Entry(path)
}

func (v *typedView) EntryType(path string) (EntryType, bool, error) {
	m, ok := v.doc.Objects[path]
	return m.Type, ok, nil
}

// A recursive delete's removals are planned from the entries' types: no
// entry it drops is decoded, and the plan is the one a full read makes.
func TestRemovalsArePlannedWithoutDecodingTheEntries(t *testing.T) {
	repo := RepoRef{AccountID: "a", RepositoryID: "r"}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	doc := &SourceMetadata{Objects: map[string]ObjectMeta{}}
	doc.Objects["d"] = NewFolderMeta(repo, "d", now)
	doc.Objects["e.txt"] = NewObjectMeta(repo, ObjectInfo{Path: "e.txt", Size: 1}, nil, now)
	b := NewMetadataBatch(now)
	for i := range 100 {
		p := fmt.Sprintf("d/f%03d", i)
		doc.Objects[p] = NewObjectMeta(repo, ObjectInfo{Path: p, Size: int64(i)}, nil, now)
		b.Removed(p)
	}
	b.Removed("d/never-there")
	v := &typedView{MetadataView: doc.View(), doc: doc}
	plan, err := b.Plan(repo, v)
	if err != nil {
		t.Fatal(err)
	}
	if v.decoded > 1 { // the folder d, to tell whether it is left empty
		t.Errorf("planning 101 removals decoded %d entries, want at most 1", v.decoded)
	}
	full, err := b.Plan(repo, doc.View())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(plan.Writes, full.Writes) || len(plan.Writes) != 101 {
		t.Fatalf("writes differ from a full read's: %d, want %d (%v)", len(plan.Writes), len(full.Writes), plan.Writes)
	}
	if len(plan.Result.Changes) != len(full.Result.Changes) {
		t.Fatalf("%d changes, want %d", len(plan.Result.Changes), len(full.Result.Changes))
	}
	for i, c := range plan.Result.Changes {
		f := full.Result.Changes[i]
		if c.Action != f.Action || c.Path != f.Path || c.Type != f.Type || !reflect.DeepEqual(c.Reasons, f.Reasons) || c.Before == nil {
			t.Errorf("change %d = %+v, want %+v", i, c, f)
		}
	}
	if !reflect.DeepEqual(plan.Result.Folders, full.Result.Folders) {
		t.Errorf("folders %v, want %v", plan.Result.Folders, full.Result.Folders)
	}
}

// orderView is a MetadataView that records the paths Entry is asked for.
type orderView struct {
	MetadataView
	asked []string
}

func (v *orderView) Entry(path string) (ObjectMeta, bool, error) {
	v.asked = append(v.asked, path)
	return v.MetadataView.Entry(path)
}

// A batch's entries are looked up in byte order of their paths, once
// each, whatever the order of its ops (an upload's files finish in any
// order): a stored document's view reads entries by blocks of
// neighbours, and looked up in the ops' order a block was read again for
// nearly every entry.
func TestPlanLooksEntriesUpInPathOrder(t *testing.T) {
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	doc := &SourceMetadata{Objects: map[string]ObjectMeta{}}
	var paths []string
	for i := range 200 {
		p := fmt.Sprintf("d/f%03d", i)
		paths = append(paths, p)
		if i%2 == 0 {
			doc.Objects[p] = ObjectMeta{Type: TypeFile, Size: 1}
		}
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(paths), func(i, j int) { paths[i], paths[j] = paths[j], paths[i] })
	b := NewMetadataBatch(now)
	for _, p := range paths {
		b.Stored(ObjectInfo{Path: p, Size: 2, ModTime: now, Checksum: "sha256:00"})
	}
	b.Removed(paths[0]) // a second op on a path: looked up once all the same
	v := &orderView{MetadataView: doc.View()}
	plan, err := b.Plan(RepoRef{AccountID: "acme", RepositoryID: "data"}, v)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, p := range v.asked {
		if p != "d" && p != "" {
			files = append(files, p)
		}
	}
	if !slices.IsSorted(files) || len(files) != len(paths) {
		t.Fatalf("entries looked up in this order (%d for %d paths): %v…", len(files), len(paths), files[:min(len(files), 8)])
	}
	if len(plan.Writes) == 0 {
		t.Fatal("the plan changes nothing")
	}
}

// The removals of a recursive delete share one entry per type for what
// they drop (Before holds the type alone): planning 1,000 of them makes
// no entry each.
func TestRemovalsShareTheirTypeOnlyEntries(t *testing.T) {
	repo := RepoRef{AccountID: "a", RepositoryID: "r"}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	doc := &SourceMetadata{Objects: map[string]ObjectMeta{}}
	doc.Objects["d"] = NewFolderMeta(repo, "d", now)
	doc.Objects["d/sub"] = NewFolderMeta(repo, "d/sub", now)
	b := NewMetadataBatch(now)
	for i := range 1000 {
		p := fmt.Sprintf("d/f%04d", i)
		if i%10 == 0 {
			p = fmt.Sprintf("d/sub/f%04d", i)
		}
		doc.Objects[p] = NewObjectMeta(repo, ObjectInfo{Path: p, Size: int64(i)}, nil, now)
		b.Removed(p)
	}
	b.Removed("d/sub") // a folder's entry dropped by name
	v := &typedView{MetadataView: doc.View(), doc: doc}
	var plan MetadataPlan
	allocs := testing.AllocsPerRun(3, func() {
		var err error
		if plan, err = b.Plan(repo, v); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("planning 1,001 removals: %.0f allocations", allocs)
	if len(plan.Writes) != 1002 { // and d, left empty
		t.Fatalf("%d writes, want 1002", len(plan.Writes))
	}
	byType := map[EntryType]*ObjectMeta{}
	for _, c := range plan.Result.Changes {
		if c.Before == nil || c.Before.Type == "" {
			t.Fatalf("change %+v: no type", c)
		}
		if c.Path == "d" {
			continue // decoded: whether it is left empty
		}
		if m := byType[c.Before.Type]; m != nil && m != c.Before {
			t.Fatalf("removals of %s entries do not share one", c.Before.Type)
		}
		byType[c.Before.Type] = c.Before
	}
	if allocs > 1500 {
		t.Errorf("planning 1,001 removals made %.0f allocations, want at most 1,500", allocs)
	}
}
