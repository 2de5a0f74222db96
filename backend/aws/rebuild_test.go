package aws

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/backendtest"
	"github.com/coopterm/coop/internal/testservers"
)

// rawGet reads a key straight from the server.
func rawGet(t *testing.T, s *Store, key string) string {
	t.Helper()
	out, err := servers.S3(t).Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: &s.cfg.Bucket, Key: sdkaws.String(key)})
	if err != nil {
		t.Fatalf("raw get %q: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A metadata file fixed by another writer between the copy of the
// unreadable file and the PUT of the new document is not written over:
// the PUT's If-Match refuses it, and the copy stays behind.
func TestRebuildRefusesFileChangedAfterCopy(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	proxy := testservers.StartFaultProxy(t, cfg.EndpointURL)
	cfg.EndpointURL = proxy.URL
	s := openStore(t, cfg)
	if err := s.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	ref := newRepo(t, s)
	put(t, s, ref, "a.txt", "alpha\n")
	const garbage, fixed = `{"objects": {"a.txt": {`, `{"objects": {}}`
	rawPut(t, s, metadataKey(ref), garbage)
	const backup = ".source-metadata.corrupt-20261127T143000Z.json"
	proxy.SetFaults(testservers.Fault{Op: "CopyObject", Times: 1, After: func() { rawPut(t, s, metadataKey(ref), fixed) }})
	_, err := s.RebuildMetadata(t.Context(), ref, backup, func(raw []byte) (backend.SourceMetadata, error) {
		if string(raw) != garbage {
			t.Errorf("build got %q", raw)
		}
		return backend.SourceMetadata{Objects: map[string]backend.ObjectMeta{"a.txt": {ID: "a", Type: backend.TypeFile}}}, nil
	})
	if !errors.Is(err, backend.ErrMetadataChanged) || !strings.Contains(err.Error(), backup) {
		t.Errorf("rebuild over a file fixed after the copy: %v; want ErrMetadataChanged naming the copy", err)
	}
	if n := proxy.Injected(); n != 1 {
		t.Fatalf("the other writer ran %d times, want 1", n)
	}
	if got := rawGet(t, s, metadataKey(ref)); got != fixed {
		t.Errorf("metadata file %q, want the other writer's %q", got, fixed)
	}
	if got := rawGet(t, s, repoPrefix(ref)+backup); got != garbage {
		t.Errorf("the copy holds %q, want %q", got, garbage)
	}
}

// The copy keeps the unreadable bytes and never replaces an object; the
// new document records it.
func TestRebuildCopiesWithoutReplacing(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ref := newRepo(t, s)
	const garbage = "\x00not json at all"
	rawPut(t, s, metadataKey(ref), garbage)
	build := func([]byte) (backend.SourceMetadata, error) { return backend.SourceMetadata{}, nil }

	const taken = ".source-metadata.corrupt-20261127T143000Z.json"
	put(t, s, ref, taken, "somebody's file")
	if _, err := s.RebuildMetadata(t.Context(), ref, taken, build); !errors.Is(err, backend.ErrObjectExists) {
		t.Errorf("rebuild onto an existing object: %v, want ErrObjectExists", err)
	}
	if got := rawGet(t, s, repoPrefix(ref)+taken); got != "somebody's file" {
		t.Errorf("the existing object was replaced: %q", got)
	}
	if got := rawGet(t, s, metadataKey(ref)); got != garbage {
		t.Errorf("metadata written after a refused copy: %q", got)
	}

	const backup = ".source-metadata.corrupt-20261127T143001Z.json"
	m, err := s.RebuildMetadata(t.Context(), ref, backup, build)
	if err != nil {
		t.Fatal(err)
	}
	if got := rawGet(t, s, repoPrefix(ref)+backup); got != garbage {
		t.Errorf("the copy holds %q", got)
	}
	doc, err := backend.LoadMetadata(t.Context(), s, ref)
	if err != nil {
		t.Fatal(err)
	}
	if e := doc.Objects[backup]; e.Checksum != m.Checksum || e.Size != int64(len(garbage)) || !backendtest.IsUUID(e.ID) || e.CRC32C == "" {
		t.Errorf("backup entry %+v, returned %+v", e, m)
	}
	if _, err := s.RebuildMetadata(t.Context(), ref, backup, build); !errors.Is(err, backend.ErrMetadataChanged) {
		t.Errorf("rebuild of a readable file: %v, want ErrMetadataChanged", err)
	}
}
