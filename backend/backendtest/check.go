package backendtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

// SHA256 is the checksum coop records for b: "sha256:<hex>", computed
// here independently of backend.ContentHash.
func SHA256(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// CRC32C is the crc32c coop records for b, computed independently.
func CRC32C(b []byte) string {
	return fmt.Sprintf("%08x", crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}

// Objects reads every object of repo, by path (folder markers left out;
// a repository that does not exist has none).
func Objects(t testing.TB, s backend.Store, repo backend.RepoRef) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	out := map[string][]byte{}
	err := backend.Walk(ctx, s, repo, "", func(page []backend.Entry) error {
		for _, e := range page {
			if e.IsDir() {
				continue
			}
			r, _, err := s.GetObject(ctx, repo, e.Path)
			if err != nil {
				return err
			}
			b, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				return err
			}
			out[e.Path] = b
		}
		return nil
	})
	if err != nil && !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("list objects of %s: %v", repo, err)
	}
	return out
}

// Folders says whether CheckMetadata accepts folder entries with no
// object below them.
type Folders int

// The two kinds of Folders.
const (
	// OnlyFoldersOfObjects: every folder entry holds an object, as the
	// transfer queue leaves the metadata.
	OnlyFoldersOfObjects Folders = iota
	// EmptyFoldersAllowed: folder entries may stand alone, as a repair
	// leaves them (an empty folder may be meant).
	EmptyFoldersAllowed
)

// CheckMetadata fails t unless repo's metadata describes its objects
// exactly: every object has a complete file entry (id, creation time,
// MIME type) of its size, SHA-256 and CRC-32C; every file entry has an
// object; every folder above an entry has a folder entry; and, unless
// folders allows them, there is no other folder entry. A repository with
// no objects may have no metadata file. It returns the objects, by path,
// and the metadata.
func CheckMetadata(t testing.TB, s backend.Store, repo backend.RepoRef, folders Folders) (map[string][]byte, backend.SourceMetadata) {
	t.Helper()
	objs := Objects(t, s, repo)
	md, err := backend.LoadMetadata(context.Background(), s, repo)
	if errors.Is(err, backend.ErrMetadataMissing) && len(objs) == 0 {
		return objs, md
	}
	if err != nil {
		t.Fatalf("read metadata of %s: %v", repo, err)
	}
	for p, b := range objs {
		m, ok := md.Objects[p]
		switch {
		case !ok:
			t.Errorf("object %q has no metadata entry", p)
		case m.Type != backend.TypeFile || m.Size != int64(len(b)) || m.Checksum != SHA256(b) || m.CRC32C != CRC32C(b):
			t.Errorf("entry %q = {type %s size %d checksum %s crc32c %s}, object has size %d checksum %s crc32c %s",
				p, m.Type, m.Size, m.Checksum, m.CRC32C, len(b), SHA256(b), CRC32C(b))
		case m.ID == "" || m.CreatedAt.IsZero() || m.MimeType == "":
			t.Errorf("entry %q is incomplete: %+v", p, m)
		}
	}
	var extra []string
	for p, m := range md.Objects {
		if _, ok := objs[p]; !ok && m.Type != backend.TypeDirectory {
			extra = append(extra, p+" (no object)")
		}
		if d := backend.ParentFolder(p); d != "" {
			if dm, ok := md.Objects[d]; ok && dm.Type != backend.TypeDirectory {
				t.Errorf("folder %q of %q is recorded as a %s", d, p, dm.Type)
			}
		}
	}
	// The folder rules are the ones MetadataBatch keeps (FolderCheck).
	if folders == OnlyFoldersOfObjects {
		for _, d := range md.EmptyFolders() {
			extra = append(extra, d+" (empty folder)")
		}
	}
	slices.Sort(extra)
	if len(extra) > 0 {
		t.Errorf("metadata entries with nothing behind them: %v", extra)
	}
	for _, d := range md.MissingFolders() {
		t.Errorf("folder %q has no folder entry", d)
	}
	return objs, md
}

// Edit changes repo's document as fn changes a copy of it in memory, then
// writes the difference in one batch of Set and Delete: for tests that
// set up odd documents. It is not atomic (a write in between is lost for
// the paths fn changes), and it holds the whole document in memory.
func Edit(t testing.TB, s backend.MetadataClient, repo backend.RepoRef, fn func(m *backend.SourceMetadata)) {
	t.Helper()
	ctx := context.Background()
	md, err := backend.LoadMetadata(ctx, s, repo)
	if errors.Is(err, backend.ErrMetadataMissing) {
		md, err = backend.SourceMetadata{Objects: map[string]backend.ObjectMeta{}}, nil
	}
	if err != nil {
		t.Fatalf("read metadata of %s: %v", repo, err)
	}
	before := maps.Clone(md.Objects)
	fn(&md)
	b := backend.NewMetadataBatch(time.Time{})
	for p := range before {
		if _, ok := md.Objects[p]; !ok {
			b.Delete(p)
		}
	}
	for p, m := range md.Objects {
		if old, ok := before[p]; !ok || !reflect.DeepEqual(old, m) {
			b.Set(p, m)
		}
	}
	if _, err := s.UpdateMetadata(ctx, repo, b); err != nil {
		t.Fatalf("update metadata of %s: %v", repo, err)
	}
}

// rfc9562 matches an RFC 9562 UUID of version 4 or 7 (variant 10), as
// the platform's validators want entry ids.
var rfc9562 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// IsUUID reports whether id is an RFC 9562 UUID of version 4 or 7.
func IsUUID(id string) bool { return rfc9562.MatchString(id) }
