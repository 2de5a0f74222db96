package aws

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/coopterm/coop/internal/testservers"
)

// Small objects are read into buffers the store reuses: many uploads at
// once, of different contents and sizes across the size classes, some
// of them failing (answered 500, or their connection dropped before or
// after the server acted, so the SDK tries again), each store exactly its
// own bytes and report their checksum. (A PUT that fails for good after
// the SDK's tries is allowed to; what it left is not checked.)
func TestReusedBodiesStoreEachFilesBytes(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	proxy := testservers.StartFaultProxy(t, cfg.EndpointURL)
	cfg.EndpointURL = proxy.URL
	s := openStore(t, cfg)
	if err := s.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	ref := newRepo(t, s)
	proxy.SetFaults(
		testservers.Fault{Op: "PutObject", Status: 500, Every: 7},
		testservers.Fault{Op: "PutObject", Drop: true, Every: 11},
		testservers.Fault{Op: "PutObject", DropAfter: true, Every: 13},
	)
	sizes := []int{600, 64 << 10, 64<<10 + 1, 100 << 10, 1 << 20, 3<<20 + 5}
	const rounds = 3
	type file struct {
		path string
		data []byte
		ok   bool
	}
	var files []file
	for r := range rounds {
		for i := range 40 {
			n := sizes[i%len(sizes)]
			data := bytes.Repeat([]byte(fmt.Sprintf("%d-%d|", r, i)), n/4+1)[:n]
			files = append(files, file{path: fmt.Sprintf("r%d/f%02d.bin", r, i), data: data})
		}
	}
	// Rounds one after the other, so that later rounds reuse the
	// buffers of earlier ones.
	for r := range rounds {
		var wg sync.WaitGroup
		for i := r * 40; i < (r+1)*40; i++ {
			f := &files[i]
			wg.Go(func() {
				info, err := s.PutObject(t.Context(), ref, f.path, io.MultiReader(bytes.NewReader(f.data)), int64(len(f.data)))
				if err != nil {
					return
				}
				f.ok = true
				if sum := sha256.Sum256(f.data); info.Checksum != "sha256:"+hex.EncodeToString(sum[:]) {
					t.Errorf("%s: PutObject checksum %s, not the file's", f.path, info.Checksum)
				}
			})
		}
		wg.Wait()
	}
	if proxy.Injected() < 10 {
		t.Errorf("only %d faults injected; the test is not testing much", proxy.Injected())
	}
	proxy.SetFaults()
	stored := 0
	for _, f := range files {
		if !f.ok {
			continue
		}
		stored++
		rc, _, err := s.GetObject(t.Context(), ref, f.path)
		if err != nil {
			t.Fatalf("%s: %v", f.path, err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, f.data) {
			t.Errorf("%s: stored %d bytes (%v), not the file's %d", f.path, len(got), err, len(f.data))
		}
	}
	if stored < len(files)*3/4 {
		t.Errorf("only %d of %d uploads succeeded", stored, len(files))
	}
}

func TestBodyClasses(t *testing.T) {
	for _, tc := range []struct {
		size int64
		want int
	}{
		{0, -1}, {1, 0}, {64 << 10, 0}, {64<<10 + 1, 1}, {128 << 10, 1}, {singlePutMax, bodyClasses - 1}, {singlePutMax + 1, -1},
	} {
		if got := bodyClass(tc.size); got != tc.want {
			t.Errorf("bodyClass(%d) = %d, want %d", tc.size, got, tc.want)
		}
	}
	var p bodyPool
	b := p.get(70 << 10)
	if len(b) != 70<<10 || cap(b) != 128<<10 {
		t.Fatalf("get(70 KiB): len %d cap %d", len(b), cap(b))
	}
	p.put(b)
	p.put(make([]byte, 100)) // not one of the pool's: dropped
	if c := p.get(100 << 10); len(c) != 100<<10 || cap(c) != 128<<10 {
		t.Fatalf("get(100 KiB): len %d cap %d", len(c), cap(c))
	}
}

// BenchmarkPutSmall uploads 64 KiB objects to versitygw, 64 at once, as a
// folder upload does: with -benchmem, the bytes allocated per upload
// show whether bodies are reused.
//
//	go test -run '^$' -bench PutSmall -benchmem -benchtime 2000x ./backend/aws/
func BenchmarkPutSmall(b *testing.B) {
	s := newStore(b)
	ref := newRepo(b, s)
	data := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	i := 0
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		sem <- struct{}{}
		p := fmt.Sprintf("bench/f%06d", i)
		i++
		wg.Go(func() {
			defer func() { <-sem }()
			if _, err := s.PutObject(b.Context(), ref, p, io.MultiReader(bytes.NewReader(data)), int64(len(data))); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
}

// A buffer lent to the requests of a PUT goes back to the pool only once
// the PUT is over and every request body made of it was closed by the
// transport (which may still be writing one after the answer came), and
// never once the SDK had it.
func TestLentBodyComesBackOnceEveryRequestIsDone(t *testing.T) {
	buf := []byte("the file's bytes")
	freed := 0
	lease := lend(buf, func(b []byte) {
		if &b[0] != &buf[0] {
			t.Error("another buffer given back")
		}
		freed++
	})
	r, err := http.NewRequest(http.MethodPut, "http://s3.invalid/b/k", nil)
	if err != nil {
		t.Fatal(err)
	}
	setBody(r, buf, lease)
	again, err := r.GetBody() // the transport's retry on a closed connection
	if err != nil {
		t.Fatal(err)
	}
	lease.release() // the PUT has its answer
	if freed != 0 {
		t.Fatal("given back while the request bodies were still open")
	}
	_ = r.Body.Close()
	_ = r.Body.Close() // closed twice: one hold let go
	if freed != 0 {
		t.Fatal("given back while a retry's body was still open")
	}
	_ = again.Close()
	if freed != 1 {
		t.Fatalf("given back %d times once every body was closed, want 1", freed)
	}

	lost := lend(buf, func([]byte) { t.Error("a buffer the SDK had was given back") })
	setBody(r, buf, lost)
	lost.lose()
	lost.release()
	_ = r.Body.Close()
}
