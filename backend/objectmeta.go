package backend

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// NewObjectMeta builds the metadata entry for a file the store has just
// written. It keeps what the entry it replaces (prev, nil if none) says
// that the object does not: its id, creation time, custom metadata and
// the fields coop does not know.
func NewObjectMeta(repo RepoRef, info ObjectInfo, prev *ObjectMeta, now time.Time) ObjectMeta {
	m := ObjectMeta{
		ID:        NewObjectID(),
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
		m.Extra = prev.Extra
	}
	return m
}

// NewObjectID makes the id of a new metadata entry: an RFC 9562 UUID,
// version 7 (48 bits of Unix milliseconds, then 74 random bits), which
// validators of the platform's schema accept and which sorts by creation.
// Entries that have an id keep it (see NewObjectMeta); the repository and
// path that NewObjectMeta and NewFolderMeta take no longer shape it.
func NewObjectID() string {
	var b [16]byte
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails
	ms := uint64(time.Now().UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x70 // version 7
	b[8] = b[8]&0x3f | 0x80 // variant 10
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// EntryDiff says how entry m (nil if none) differs from the object read
// as info: the reasons to replace it, none if it describes the object.
// differed is set when a recorded checksum differs from the content of
// an object of the recorded size.
func EntryDiff(m *ObjectMeta, info ObjectInfo) (reasons []string, differed bool) {
	switch {
	case m == nil:
		return []string{ReasonNoEntry}, false
	case m.Type == TypeDirectory:
		return []string{ReasonRecordedAsFolder}, false
	case m.Size != info.Size:
		return []string{ReasonSizeDiffers}, false
	}
	switch {
	case m.Checksum == "":
		reasons = append(reasons, ReasonChecksumMissing)
	case CompareSHA256(m.Checksum, info.Checksum) == ChecksumDiffers:
		reasons, differed = append(reasons, ReasonChecksumDiffers), true
	}
	switch {
	case m.CRC32C == "":
		reasons = append(reasons, ReasonCRC32CMissing)
	case !strings.EqualFold(m.CRC32C, info.CRC32C):
		reasons, differed = append(reasons, ReasonCRC32CDiffers), true
	}
	return reasons, differed
}

// SameEntry reports whether two entries (nil for none) are the same
// record: nobody rewrote it in between.
func SameEntry(a, b *ObjectMeta) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Problem != "" || b.Problem != "" {
		return a.Problem == b.Problem && string(a.Raw) == string(b.Raw)
	}
	return a.ID == b.ID && a.Type == b.Type && a.Size == b.Size && a.MimeType == b.MimeType &&
		strings.EqualFold(a.Checksum, b.Checksum) && strings.EqualFold(a.CRC32C, b.CRC32C) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}
