package aws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/testservers"
)

func TestMetadataRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	ref := newRepo(t, s)
	if _, err := backend.LoadMetadata(ctx, s, ref); !errors.Is(err, backend.ErrMetadataMissing) {
		t.Fatalf("ReadMetadata before any write = %v, want ErrMetadataMissing", err)
	}
	meta := backend.ObjectMeta{ID: "id-1", Type: backend.TypeFile, Size: 3, MimeType: "text/plain", Checksum: "sha256:00", Metadata: map[string]any{"k": "v"}}
	if err := s.UpdateObjectMetadata(ctx, ref, "a/b.txt", &meta); err != nil {
		t.Fatal(err)
	}
	doc, err := backend.LoadMetadata(ctx, s, ref)
	if err != nil {
		t.Fatal(err)
	}
	if doc.AccountID != "acme" || doc.RepositoryID != "data" || doc.LastUpdated.IsZero() || doc.Objects["a/b.txt"].MimeType != "text/plain" {
		t.Errorf("ReadMetadata = %+v", doc)
	}
	if err := s.UpdateObjectMetadata(ctx, ref, "a/b.txt", nil); err != nil {
		t.Fatal(err)
	}
	if doc, err := backend.LoadMetadata(ctx, s, ref); err != nil || len(doc.Objects) != 0 {
		t.Errorf("after removal: %+v, %v", doc, err)
	}
	if err := s.UpdateObjectMetadata(ctx, ref, "../x", &meta); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("UpdateObjectMetadata(../x) = %v, want ErrInvalid", err)
	}
}

func TestMetadataConcurrentWritersLoseNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	ref := newRepo(t, s)
	const writers, rounds = 32, 3
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds)
	start := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			<-start
			for r := range rounds {
				p := fmt.Sprintf("w%02d/r%d.bin", w, r)
				if err := s.UpdateObjectMetadata(ctx, ref, p, &backend.ObjectMeta{ID: p, Type: backend.TypeFile, Size: int64(w)}); err != nil {
					errs <- err
				}
			}
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	doc, err := backend.LoadMetadata(ctx, s, ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Objects) != writers*rounds {
		t.Fatalf("%d entries after %d concurrent updates: updates were lost", len(doc.Objects), writers*rounds)
	}
	t.Logf("%d writers × %d updates in %s", writers, rounds, time.Since(began))
}

func TestCorruptMetadataIsNeverOverwritten(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	ref := newRepo(t, s)
	const garbage = `{"objects": {"a": [1, 2`
	rawPut(t, s, metadataKey(ref), garbage)
	if _, err := backend.LoadMetadata(ctx, s, ref); !errors.Is(err, backend.ErrMetadataCorrupt) {
		t.Errorf("ReadMetadata(corrupt) = %v, want ErrMetadataCorrupt", err)
	}
	err := s.UpdateObjectMetadata(ctx, ref, "a.txt", &backend.ObjectMeta{})
	if !errors.Is(err, backend.ErrMetadataCorrupt) {
		t.Errorf("UpdateObjectMetadata over a corrupt file = %v, want ErrMetadataCorrupt", err)
	} else if !strings.Contains(err.Error(), "acme/data") {
		t.Errorf("error %q does not name the repository", err)
	}
	out, err := servers.S3(t).Client().GetObject(ctx, &s3.GetObjectInput{Bucket: &s.cfg.Bucket, Key: sdkaws.String(metadataKey(ref))})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	b, _ := io.ReadAll(out.Body)
	if string(b) != garbage {
		t.Errorf("the corrupt file was rewritten: %q", b)
	}
	if p, err := s.ListObjects(ctx, ref, "", backend.PageRequest{}); err != nil || len(p.Items) != 0 {
		t.Errorf("the metadata file shows in the listing: %+v, %v", p.Items, err)
	}
}

// A metadata PUT whose answer never arrives (the connection closes before
// or after S3 acted on it, on every try the SDK makes) is settled by
// reading the document again: the update lands once, and is not reported
// as failed.
func TestMetadataWriteSurvivesUnansweredPuts(t *testing.T) {
	for _, f := range []testservers.Fault{
		{Op: "PutObject", Drop: true, Times: 3},      // nothing reached S3
		{Op: "PutObject", DropAfter: true, Times: 3}, // the first try landed
	} {
		cfg := testConfig(t)
		proxy := testservers.StartFaultProxy(t, cfg.EndpointURL)
		cfg.EndpointURL = proxy.URL
		s := openStore(t, cfg)
		if err := s.Init(t.Context()); err != nil {
			t.Fatal(err)
		}
		ref := newRepo(t, s)
		meta := backend.ObjectMeta{ID: "a", Type: backend.TypeFile, Size: 1, Metadata: map[string]any{}}
		if err := s.UpdateObjectMetadata(t.Context(), ref, "first.txt", &meta); err != nil {
			t.Fatal(err)
		}
		proxy.SetFaults(f)
		if err := s.UpdateObjectMetadata(t.Context(), ref, "second.txt", &meta); err != nil {
			t.Fatalf("drop %v after %v: update failed: %v", f.Drop, f.DropAfter, err)
		}
		if n := proxy.Injected(); n != f.Times {
			t.Errorf("%d faults injected, want %d (the SDK's own tries)", n, f.Times)
		}
		md, err := backend.LoadMetadata(t.Context(), s, ref)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := md.Objects["second.txt"]; !ok || len(md.Objects) != 2 {
			t.Errorf("entries after the update: %v", md.Objects)
		}
	}
}

// Writing a large document (here over 16 MiB, so in parts) streams it
// from the local file: a one-entry update allocates a few MiB however
// large the document, where the transfer manager's part buffers cost
// (8+1) × 8 MiB each time. Not parallel: it reads the process's
// allocation count.
func TestLargeMetadataWriteStreams(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	ref := newRepo(t, s)
	const entries = 40000
	pad := strings.Repeat("x", 400)
	b := backend.NewMetadataBatch(time.Time{})
	for i := range entries {
		p := fmt.Sprintf("data/%06d.bin", i)
		b.Set(p, backend.ObjectMeta{ID: p, Type: backend.TypeFile, Checksum: "sha256:" + p, Metadata: map[string]any{"pad": pad}})
	}
	if _, err := s.UpdateMetadata(ctx, ref, b); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := s.UpdateObjectMetadata(ctx, ref, "new.bin", &backend.ObjectMeta{ID: "new", Type: backend.TypeFile, Metadata: map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	size := int64(0)
	out, err := s.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.cfg.Bucket, Key: sdkaws.String(metadataKey(ref))})
	if err != nil {
		t.Fatal(err)
	}
	size = sdkaws.ToInt64(out.ContentLength)
	if size <= singlePutMax {
		t.Fatalf("document of %d bytes: want over %d, to go up in parts", size, singlePutMax)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("one-entry write of a %d MiB document allocated %.1f MiB", size>>20, float64(alloc)/(1<<20))
	if alloc > 16<<20 {
		t.Errorf("one-entry write of a %d MiB document allocated %.1f MiB, want at most 16", size>>20, float64(alloc)/(1<<20))
	}
	if _, err := s.ReadObjectMetadata(ctx, ref, "new.bin"); err != nil {
		t.Errorf("the new entry: %v", err)
	}
	n := 0
	if _, err := s.ReadMetadata(ctx, ref, "", func(es []backend.MetadataEntry) error { n += len(es); return nil }); err != nil || n != entries+1 {
		t.Errorf("%d entries, %v; want %d", n, err, entries+1)
	}
}
