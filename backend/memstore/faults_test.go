package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/backendtest"
	"github.com/coopterm/coop/backend/local"
	"github.com/coopterm/coop/backend/memstore"
)

var ref = backend.RepoRef{AccountID: "acme", RepositoryID: "data"}

// newRepo returns a store holding the account acme and its repository
// data.
func newRepo(t *testing.T) *memstore.Store {
	t.Helper()
	s := memstore.New(memstore.WithPageSize(10))
	ctx := t.Context()
	if err := s.CreateAccount(ctx, backend.Account{ID: "acme", Type: backend.AccountOrganization, Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRepository(ctx, backend.Repository{ID: "data", AccountID: "acme", Title: "Data"}); err != nil {
		t.Fatal(err)
	}
	return s
}

// Without faults set, the wrapper is invisible: the contract holds
// through it.
func TestFaultsKeepStoreContract(t *testing.T) {
	base := memstore.New()
	backendtest.RunStore(t, func(*testing.T) backend.Store { return memstore.WithFaults(base) },
		hooks(base))
}

func TestFaultsCountFailAndHold(t *testing.T) {
	f := memstore.WithFaults(newRepo(t))
	ctx := t.Context()
	list := memstore.Op("list", "acme/data:")
	for range 3 {
		if _, err := f.ListObjects(ctx, ref, "", backend.PageRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.Calls(list); n != 3 {
		t.Fatalf("%d calls counted, want 3", n)
	}
	boom := errors.New("boom")
	f.Fail(memstore.Op("meta", "acme/data"), boom)
	if _, err := f.ReadObjectMetadata(ctx, ref, "x"); !errors.Is(err, boom) {
		t.Fatalf("ReadMetadata = %v, want boom", err)
	}
	f.Fail(memstore.Op("meta", "acme/data"), nil)
	if _, err := f.ReadObjectMetadata(ctx, ref, "x"); !errors.Is(err, backend.ErrMetadataMissing) {
		t.Fatalf("after clearing the failure: %v", err)
	}

	f.Hold(list)
	done := make(chan error, 1)
	go func() {
		_, err := f.ListObjects(ctx, ref, "", backend.PageRequest{})
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for f.Held(list) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the call was never held")
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("a held call returned: %v", err)
	default:
	}
	f.Release(list)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if f.Held(list) != 0 {
		t.Fatal("the released call is still counted as held")
	}
	// A held call ends with its context.
	f.Hold(list)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.ListObjects(cctx, ref, "", backend.PageRequest{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("a held call with a cancelled context returned %v", err)
	}
}

// The wrapper offers exactly the optional capabilities of what it wraps.
func TestFaultsForwardCapabilities(t *testing.T) {
	if got := backendtest.Offered(memstore.WithFaults(memstore.New())); len(got) != 0 {
		t.Fatalf("over memstore the wrapper offers %v", got)
	}
	l, err := local.Open(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	if got, want := backendtest.Offered(memstore.WithFaults(l)), backendtest.Offered(l); !slices.Equal(got, want) || len(want) == 0 {
		t.Fatalf("over the local store the wrapper offers %v, the store %v", got, want)
	}
}

// A generated folder lists its files page by page without keeping them,
// serves each one, sits in its parent's listing, and is read-only.
func TestGenerate(t *testing.T) {
	s := newRepo(t)
	ctx := t.Context()
	if _, err := s.PutObject(ctx, ref, "a.txt", strings.NewReader("a"), 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Generate(ref, "big", 25); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutObject(ctx, ref, "z.txt", strings.NewReader("z"), 1); err != nil {
		t.Fatal(err)
	}
	root, err := s.ListObjects(ctx, ref, "", backend.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range root.Items {
		names = append(names, fmt.Sprintf("%s:%s", e.Type, e.Name))
	}
	if want := []string{"file:a.txt", "directory:big", "file:z.txt"}; !slices.Equal(names, want) {
		t.Fatalf("root = %v, want %v", names, want)
	}
	var all []backend.Entry
	req := backend.PageRequest{}
	for {
		p, err := s.ListObjects(ctx, ref, "big", req)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) > 10 {
			t.Fatalf("page of %d", len(p.Items))
		}
		all = append(all, p.Items...)
		if p.Next == "" {
			break
		}
		req.Cursor = p.Next
	}
	if len(all) != 25 || all[7].Path != "big/file-0000007.dat" || all[7].Size != 7 {
		t.Fatalf("%d entries, #7 %+v", len(all), all[7])
	}
	info, err := s.StatObject(ctx, ref, "big/file-0000012.dat")
	if err != nil || info.Size != 12 {
		t.Fatalf("stat = %+v, %v", info, err)
	}
	if _, err := s.StatObject(ctx, ref, "big/file-0000025.dat"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("stat past the end: %v", err)
	}
	if _, err := s.PutObject(ctx, ref, "big/new.txt", strings.NewReader("n"), 1); !errors.Is(err, backend.ErrInvalid) {
		t.Fatalf("put into a generated folder: %v", err)
	}
	if err := s.DeleteObject(ctx, ref, "big/file-0000001.dat"); !errors.Is(err, backend.ErrInvalid) {
		t.Fatalf("delete in a generated folder: %v", err)
	}
	var walked int
	if err := backend.Walk(ctx, s, ref, "big", func(p []backend.Entry) error { walked += len(p); return nil }); err != nil || walked != 25 {
		t.Fatalf("walk: %d, %v", walked, err)
	}
}

// Fill stores a large object without keeping its bytes: it reads back as
// that many zeros, with their checksum.
func TestFill(t *testing.T) {
	s := newRepo(t)
	const n = 3<<20 + 5
	if err := s.Fill(ref, "big/zero.bin", n); err != nil {
		t.Fatal(err)
	}
	rc, info, err := s.GetObject(t.Context(), ref, "big/zero.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil || len(data) != n || info.Size != n || strings.Trim(string(data), "\x00") != "" {
		t.Fatalf("read %d bytes (size %d), %v", len(data), info.Size, err)
	}
	if info.Checksum != backendtest.SHA256(data) {
		t.Fatalf("checksum %s, want %s", info.Checksum, backendtest.SHA256(data))
	}
}
