package backend

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// NewObjectMeta builds the metadata entry for a file the store has just
// written, keeping the entry's id and creation time if it already had one.
func NewObjectMeta(repo RepoRef, info ObjectInfo, prev *ObjectMeta, now time.Time) ObjectMeta {
	m := ObjectMeta{
		ID:        ObjectID(repo, info.Path),
		Type:      TypeFile,
		Size:      info.Size,
		MimeType:  info.ContentType,
		CreatedAt: now.UTC(),
		UpdatedAt: now.UTC(),
		Checksum:  info.Checksum,
		CRC32C:    info.CRC32C,
		Metadata:  map[string]any{},
	}
	if prev != nil {
		if prev.ID != "" {
			m.ID = prev.ID
		}
		if !prev.CreatedAt.IsZero() {
			m.CreatedAt = prev.CreatedAt
		}
		if prev.Metadata != nil {
			m.Metadata = prev.Metadata
		}
	}
	return m
}

// ObjectID derives a stable UUID-shaped id for an object from its full key,
// so that re-creating an entry for the same object gives the same id.
func ObjectID(repo RepoRef, path string) string {
	sum := sha256.Sum256([]byte(repo.AccountID + "/" + repo.RepositoryID + "/" + path))
	h := hex.EncodeToString(sum[:16])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}
