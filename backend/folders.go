package backend

import (
	"path"
	"time"
)

// DirectoryContentType is the ContentType a store reports when a path
// is a folder (the local store's real folders).
const DirectoryContentType = "inode/directory"

// ParentFolder is the folder holding p, "" at the repository root.
func ParentFolder(p string) string {
	d := path.Dir(p)
	if d == "." || d == "/" {
		return ""
	}
	return d
}

// NewFolderMeta builds the metadata entry of folder dir, made at now, as
// writers add one above each file they record.
func NewFolderMeta(repo RepoRef, dir string, now time.Time) ObjectMeta {
	return ObjectMeta{ID: NewObjectID(), Type: TypeDirectory,
		CreatedAt: now.UTC(), UpdatedAt: now.UTC(), Metadata: map[string]any{}}
}
