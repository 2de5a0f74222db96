package aws

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
)

// A walk split at the paths of the metadata index lists every key under
// the folder once and in order, as one listing does: keys the index does
// not know (written by another tool: before the first known key, just
// after a bound, many in one part so that it takes several pages, after
// the last one, a folder marker), keys the index knows but the bucket
// lost, and nothing outside the folder. The index is read from the
// cache folder by a store that never opened it, and from the one open.
func TestWalkInPartsListsWhatOneListingDoes(t *testing.T) {
	ctx := context.Background()
	s0 := newStore(t)
	ref := newRepo(t, s0)
	b := backend.NewMetadataBatch(time.Time{})
	var keys []string
	for i := range 200 {
		p := fmt.Sprintf("w/k%04d", i)
		b.Set(p, backend.ObjectMeta{ID: p, Type: backend.TypeFile, Checksum: "sha256:" + p, Metadata: map[string]any{}})
		if i%2 == 0 { // the rest are gone from the bucket
			keys = append(keys, p)
		}
	}
	if _, err := s0.UpdateMetadata(ctx, ref, b); err != nil {
		t.Fatal(err)
	}
	keys = append(keys, "w/a", "w/k0064x", "w/zz", "w/sub/deep")
	for i := range 25 {
		keys = append(keys, fmt.Sprintf("w/k0100u%02d", i))
	}
	outside := []string{"w0", "v/x", "w.txt"}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for _, k := range append(slices.Clone(keys), outside...) {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, err := s0.PutObject(ctx, ref, k, strings.NewReader("x"), 1); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	marker := repoPrefix(ref) + "w/emptydir/"
	if _, err := s0.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &s0.cfg.Bucket, Key: &marker, Body: strings.NewReader("")}); err != nil {
		t.Fatal(err)
	}
	if t.Failed() {
		return
	}
	walk := func(s *Store) ([]string, error) {
		var got []string
		err := s.WalkObjects(ctx, ref, "w", func(page []backend.Entry) error {
			for _, e := range page {
				got = append(got, e.Path)
			}
			return nil
		})
		return got, err
	}
	// One listing, a page after another: a store without the index.
	plainCfg := s0.Config()
	plainCfg.CacheDir = t.TempDir()
	plain := openStore(t, plainCfg)
	if n := len(plain.walkBounds(ref, "w/")); n != 0 {
		t.Fatalf("a store without an index split the walk at %d paths", n)
	}
	want, err := walk(plain)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != len(keys)+1 || !slices.IsSorted(want) {
		t.Fatalf("one listing gave %d entries (sorted: %v), want %d", len(want), slices.IsSorted(want), len(keys)+1)
	}
	cfg := s0.Config()
	cfg.CacheDir = t.TempDir()
	fresh := openStore(t, cfg) // the index from the cache folder
	if err := os.CopyFS(fresh.indexDir(ref), os.DirFS(s0.indexDir(ref))); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Store{"the index last built": fresh, "the index open": s0} {
		s.walkSplit = walkSplit{partBlocks: 1, pageKeys: 10}
		// 200 entries (and the folder's) in blocks of 64: 3 bounds.
		if n := len(s.walkBounds(ref, "w/")); n != 3 {
			t.Errorf("%s: split at %d paths, want 3", name, n)
		}
		got, err := walk(s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: the walk in parts gave %d entries, one listing %d:\n%v\n%v", name, len(got), len(want), got, want)
		}
	}
}
