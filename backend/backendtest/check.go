package backendtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"testing"

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
	md, err := s.ReadMetadata(context.Background(), repo)
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
	held := map[string]bool{} // folders above an object
	for p := range objs {
		for d := backend.ParentFolder(p); d != ""; d = backend.ParentFolder(d) {
			held[d] = true
		}
	}
	needed := map[string]bool{} // folders above any entry
	var extra []string
	for p, m := range md.Objects {
		for d := backend.ParentFolder(p); d != ""; d = backend.ParentFolder(d) {
			needed[d] = true
		}
		if _, ok := objs[p]; ok {
			continue
		}
		if m.Type != backend.TypeDirectory {
			extra = append(extra, p+" (no object)")
		} else if !held[p] && folders == OnlyFoldersOfObjects {
			extra = append(extra, p+" (empty folder)")
		}
	}
	slices.Sort(extra)
	if len(extra) > 0 {
		t.Errorf("metadata entries with nothing behind them: %v", extra)
	}
	for d := range held {
		needed[d] = true
	}
	for d := range needed {
		if m, ok := md.Objects[d]; !ok || m.Type != backend.TypeDirectory {
			t.Errorf("folder %q has no folder entry", d)
		}
	}
	return objs, md
}
