package aws

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
)

// TestLargePrefixListing measures listing a folder of many objects on
// versitygw: the time to the first page (what a user waits for) and to the
// whole listing. It needs a few minutes to fill the folder, so it runs
// only when COOP_BENCH_LIST is set (to the object count, or 1 for 100,000):
//
//	COOP_BENCH_LIST=1 go test -run TestLargePrefixListing -v ./backend/aws/
func TestLargePrefixListing(t *testing.T) {
	v := os.Getenv("COOP_BENCH_LIST")
	if v == "" {
		t.Skip("set COOP_BENCH_LIST=1 (100,000 objects) or to an object count to run this measurement")
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 1 {
		n = 100_000
	}
	ctx := context.Background()
	s := newStore(t)
	ref := newRepo(t, s)
	prefix := repoPrefix(ref) + "big/"

	began := time.Now()
	fill(t, s, prefix, n)
	t.Logf("filled %d objects in %s (%.0f PUT/s)", n, time.Since(began).Round(time.Millisecond), float64(n)/time.Since(began).Seconds())

	for run := range 3 {
		began = time.Now()
		first, err := s.ListObjects(ctx, ref, "big", backend.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		firstPage := time.Since(began)
		total, pages := len(first.Items), 1
		req := backend.PageRequest{Cursor: first.Next}
		for req.Cursor != "" {
			p, err := s.ListObjects(ctx, ref, "big", req)
			if err != nil {
				t.Fatal(err)
			}
			total += len(p.Items)
			pages++
			req.Cursor = p.Next
		}
		all := time.Since(began)
		if total != n {
			t.Fatalf("listed %d of %d objects", total, n)
		}
		t.Logf("run %d: first page (%d entries) in %s; all %d entries in %d pages in %s",
			run+1, len(first.Items), firstPage.Round(time.Microsecond), total, pages, all.Round(time.Millisecond))
	}
	// The same listing with the bare SDK, for the store's own overhead.
	began = time.Now()
	pager := s3.NewListObjectsV2Paginator(s.s3, &s3.ListObjectsV2Input{
		Bucket: &s.cfg.Bucket, Prefix: &prefix, Delimiter: sdkaws.String("/"),
	})
	raw := 0
	for pager.HasMorePages() {
		p, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		raw += len(p.Contents)
	}
	t.Logf("bare ListObjectsV2 paginator: %d keys in %s", raw, time.Since(began).Round(time.Millisecond))
}

// fill writes n empty objects under prefix, 32 at a time.
func fill(t *testing.T, s *Store, prefix string, n int) {
	t.Helper()
	c := testEnv.s3.Client()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				_, err := c.PutObject(context.Background(), &s3.PutObjectInput{
					Bucket: &s.cfg.Bucket, Key: sdkaws.String(fmt.Sprintf("%sobj-%07d.csv", prefix, i)),
					Body: strings.NewReader("x"),
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
