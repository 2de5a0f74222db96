package backend

import (
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
	if m.ID != ObjectID(repo, "a/b") || m.Type != TypeDirectory || !m.CreatedAt.Equal(now) ||
		m.CreatedAt.Location() != time.UTC || !m.UpdatedAt.Equal(now) || m.Metadata == nil {
		t.Errorf("NewFolderMeta = %+v", m)
	}
}
