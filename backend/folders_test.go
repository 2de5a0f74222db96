package backend

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParentFolder(t *testing.T) {
	for p, want := range map[string]string{"a": "", "a/b": "a", "a/b/c.txt": "a/b", "": ""} {
		if got := ParentFolder(p); got != want {
			t.Errorf("ParentFolder(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestNewFolderMeta(t *testing.T) {
	repo := RepoRef{AccountID: "acme", RepositoryID: "data"}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	m := NewFolderMeta(repo, "a/b", now)
	if !uuidV7.MatchString(m.ID) || m.Type != TypeDirectory || !m.CreatedAt.Equal(now) ||
		m.CreatedAt.Location() != time.UTC || !m.UpdatedAt.Equal(now) || m.Metadata == nil {
		t.Errorf("NewFolderMeta = %+v", m)
	}
}

var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// New entries get RFC 9562 version 7 UUIDs: unique, and in creation order
// across milliseconds.
func TestNewObjectIDIsAVersion7UUID(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := range 1000 {
		id := NewObjectID()
		if !uuidV7.MatchString(id) {
			t.Fatalf("NewObjectID() = %q, not an RFC 9562 version 7 UUID", id)
		}
		if seen[id] {
			t.Fatalf("NewObjectID repeated %q", id)
		}
		seen[id] = true
		if i%100 == 0 {
			if id[:13] < prev {
				t.Errorf("ids go back in time: %q after %q", id, prev)
			}
			prev = id[:13]
			time.Sleep(2 * time.Millisecond)
		}
	}
	ms, err := strconv.ParseInt(strings.ReplaceAll(NewObjectID()[:13], "-", ""), 16, 64)
	if err != nil || time.Since(time.UnixMilli(ms)).Abs() > time.Minute {
		t.Errorf("the id's time is not now: %v %v", time.UnixMilli(ms), err)
	}
	repo := RepoRef{AccountID: "a", RepositoryID: "r"}
	keep := ObjectMeta{ID: "id-from-another-tool"}
	if m := NewObjectMeta(repo, ObjectInfo{Path: "p"}, &keep, time.Now()); m.ID != keep.ID {
		t.Errorf("a recorded id was replaced: %q", m.ID)
	}
}
