package aws

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/backendtest"
	"github.com/coopterm/coop/internal/testservers"
)

// GetObjectHead reads an object's first bytes and what it is in one GET:
// the whole size from the ranged answer, the ETag the HEAD gives.
func TestGetObjectHead(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	ref := newRepo(t, s)
	body := strings.Repeat("0123456789", 100)
	put(t, s, ref, "big.txt", body)
	put(t, s, ref, "small.txt", "tiny")
	stat, err := s.StatObject(ctx, ref, "big.txt")
	if err != nil {
		t.Fatal(err)
	}
	b, info, err := s.GetObjectHead(ctx, ref, "big.txt", 64)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != body[:64] || info.Size != 1000 || info.ETag != stat.ETag || info.ETag == "" || !info.ModTime.Equal(stat.ModTime) || info.Path != "big.txt" {
		t.Errorf("GetObjectHead(big.txt, 64) = %q, %+v; the HEAD says %+v", b, info, stat)
	}
	if b, info, err = s.GetObjectHead(ctx, ref, "small.txt", 64); err != nil || string(b) != "tiny" || info.Size != 4 {
		t.Errorf("GetObjectHead(small.txt, 64) = %q, %+v, %v", b, info, err)
	}
	if _, _, err = s.GetObjectHead(ctx, ref, "nothing.txt", 64); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("GetObjectHead of a missing object = %v, want ErrNotFound", err)
	}
	if _, _, err = s.GetObjectHead(ctx, ref, "big.txt", 0); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("GetObjectHead of 0 bytes = %v, want ErrInvalid", err)
	}
}

// StatFile is StatObject's HEAD alone: a missing object is ErrNotFound
// with no folder listing after it, and (lazily checked) no bucket check.
func TestStatFileListsNothing(t *testing.T) {
	ctx := context.Background()
	s0 := newStore(t)
	ref := newRepo(t, s0)
	put(t, s0, ref, "sub/x.csv", "a,b\n")
	put(t, s0, ref, "a.csv", "a,b\n")
	cfg := s0.Config()
	p := testservers.StartFaultProxy(t, cfg.EndpointURL)
	cfg.EndpointURL, cfg.LazyBucketCheck = p.URL, true
	s := openStore(t, cfg)
	for _, name := range []string{"sub", "nothing.csv"} {
		if _, err := s.StatFile(ctx, ref, name); !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("StatFile(%s) = %v, want ErrNotFound", name, err)
		}
	}
	info, err := s.StatFile(ctx, ref, "a.csv")
	if err != nil || info.Size != 4 || info.Checksum != backendtest.SHA256([]byte("a,b\n")) {
		t.Errorf("StatFile(a.csv) = %+v, %v", info, err)
	}
	if got := p.Counts(); got["ListObjects"] != 0 || got["HeadObject"] != 3 {
		t.Errorf("requests %v, want 3 HEADs and no listing", got)
	}
}
