package aws

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/testservers"
)

// BenchmarkLargePrefixListing measures listing a folder of many objects
// on versitygw: the time to the first page (what a user waits for) and to
// the whole listing, beside the bare SDK paginator and, when it is built
// (scripts/bench-transfers.sh builds it into .cache/bin), `s5cmd ls` on
// the same prefix. Filling the folder takes about a minute:
//
//	go test -run '^$' -bench LargePrefixListing -benchtime 3x ./backend/aws/
//
// COOP_BENCH_LIST_N changes the object count (default 100,000).
func BenchmarkLargePrefixListing(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("COOP_BENCH_LIST_N")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	s := newStore(b)
	ref := newRepo(b, s)
	prefix := repoPrefix(ref) + "big/"

	began := time.Now()
	fill(b, s, prefix, n)
	b.Logf("filled %d objects in %s (%.0f PUT/s)", n, time.Since(began).Round(time.Millisecond), float64(n)/time.Since(began).Seconds())

	var firstTotal time.Duration
	b.ResetTimer()
	for b.Loop() {
		began := time.Now()
		first, err := s.ListObjects(ctx, ref, "big", backend.PageRequest{})
		if err != nil {
			b.Fatal(err)
		}
		firstTotal += time.Since(began)
		total := len(first.Items)
		req := backend.PageRequest{Cursor: first.Next}
		for req.Cursor != "" {
			p, err := s.ListObjects(ctx, ref, "big", req)
			if err != nil {
				b.Fatal(err)
			}
			total += len(p.Items)
			req.Cursor = p.Next
		}
		if total != n {
			b.Fatalf("listed %d of %d objects", total, n)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(firstTotal.Microseconds())/1000/float64(b.N), "ms-first-page")

	// The same listing with the bare SDK, for the store's own overhead.
	began = time.Now()
	pager := s3.NewListObjectsV2Paginator(s.s3, &s3.ListObjectsV2Input{
		Bucket: &s.cfg.Bucket, Prefix: &prefix, Delimiter: sdkaws.String("/"),
	})
	raw := 0
	for pager.HasMorePages() {
		p, err := pager.NextPage(ctx)
		if err != nil {
			b.Fatal(err)
		}
		raw += len(p.Contents)
	}
	b.Logf("bare ListObjectsV2 paginator: %d keys in %s", raw, time.Since(began).Round(time.Millisecond))
	s5cmdList(b, s, prefix, n)
}

// s5cmdList times `s5cmd ls` on the prefix, if s5cmd is built.
func s5cmdList(b *testing.B, s *Store, prefix string, n int) {
	root, err := testservers.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(root, ".cache", "bin", "s5cmd")
	if _, err := os.Stat(bin); err != nil {
		b.Logf("s5cmd not built (%s); run scripts/bench-transfers.sh once to compare", bin)
		return
	}
	cmd := exec.Command(bin, "--endpoint-url", servers.S3(b).Endpoint, "ls", "s3://"+s.cfg.Bucket+"/"+prefix)
	cmd.Env = append(os.Environ(), servers.S3(b).Env()...)
	began := time.Now()
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("s5cmd ls: %v", err)
	}
	lines := strings.Count(string(out), "\n")
	b.Logf("s5cmd ls: %d keys (want %d) in %s", lines, n, time.Since(began).Round(time.Millisecond))
}

// fill writes n empty objects under prefix, 32 at a time.
func fill(t testing.TB, s *Store, prefix string, n int) {
	t.Helper()
	c := servers.S3(t).Client()
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
