package backend

import (
	"fmt"
	"reflect"
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
