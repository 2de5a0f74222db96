package access_test

import (
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
	"github.com/coopterm/coop/backend/access/accesstest"
	"github.com/coopterm/coop/backend/backendtest"
	"github.com/coopterm/coop/backend/local"
)

func newLocal(t *testing.T) *local.Store {
	t.Helper()
	s, err := local.Open(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestAccessLocal(t *testing.T) {
	accesstest.Run(t, func(t *testing.T) backend.Store { return newLocal(t) })
}

// For the machine's owner the wrapper is invisible: the whole store
// contract still holds through it.
func TestOwnerKeepsStoreContract(t *testing.T) {
	var mu sync.Mutex
	roots := map[backend.Store]string{}
	backendtest.RunStore(t, func(t *testing.T) backend.Store {
		base := newLocal(t)
		s := access.New(base, access.Owner("test"), access.ClosingBase())
		mu.Lock()
		roots[s] = base.Root()
		mu.Unlock()
		return s
	}, backendtest.Hooks{
		WriteRawMetadata: func(t *testing.T, s backend.Store, ref backend.RepoRef, raw []byte) {
			mu.Lock()
			root := roots[s]
			mu.Unlock()
			p := filepath.Join(root, ref.AccountID, ref.RepositoryID, backend.MetadataFileName)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, raw, 0o644); err != nil {
				t.Fatal(err)
			}
		},
		ReadRawMetadata: func(t *testing.T, s backend.Store, ref backend.RepoRef) []byte {
			mu.Lock()
			root := roots[s]
			mu.Unlock()
			raw, err := os.ReadFile(filepath.Join(root, ref.AccountID, ref.RepositoryID, backend.MetadataFileName))
			if err != nil {
				t.Fatal(err)
			}
			return raw
		},
	})
}

// The access layer offers exactly the optional capabilities of the store
// it wraps, each behind the caller's permissions: the local store's three
// (the S3 store's six are checked in TestAccessAWS).
func TestCapabilitiesForwardedExactly(t *testing.T) {
	want := []backendtest.Capability{backendtest.ConditionalPut, backendtest.CleanIncomplete, backendtest.RebuildMetadata}
	if got := backendtest.Offered(newLocal(t)); !slices.Equal(got, want) {
		t.Fatalf("the local store offers %v", got)
	}
	var mu sync.Mutex
	roots := map[backend.Store]string{}
	backendtest.RunCapabilities(t, func(t *testing.T) backend.Store {
		base := newLocal(t)
		s := access.New(base, access.Owner("test"))
		mu.Lock()
		roots[s] = base.Root()
		mu.Unlock()
		return s
	}, want, backendtest.Hooks{CorruptMetadata: func(t *testing.T, s backend.Store, ref backend.RepoRef) {
		mu.Lock()
		root := roots[s]
		mu.Unlock()
		p := filepath.Join(root, ref.AccountID, ref.RepositoryID, backend.MetadataFileName)
		if err := os.WriteFile(p, []byte(backendtest.CorruptMetadataContent), 0o644); err != nil {
			t.Fatal(err)
		}
	}})
}
