package local_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/backendtest"
	"github.com/coopterm/coop/backend/local"
)

// newStore opens a Store on a fresh, initialised root.
func newStore(t *testing.T, opts ...local.Option) *local.Store {
	t.Helper()
	s, err := local.Open(filepath.Join(t.TempDir(), "store"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// metadataHooks reach a repository's metadata file on disk, under the
// root of the store rootOf gives.
func metadataHooks(rootOf func(backend.Store) string) backendtest.Hooks {
	path := func(s backend.Store, ref backend.RepoRef) string {
		return filepath.Join(rootOf(s), ref.AccountID, ref.RepositoryID, backend.MetadataFileName)
	}
	return backendtest.Hooks{
		WriteRawMetadata: func(t *testing.T, s backend.Store, ref backend.RepoRef, raw []byte) {
			t.Helper()
			p := path(s, ref)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, raw, 0o644); err != nil {
				t.Fatal(err)
			}
		},
		ReadRawMetadata: func(t *testing.T, s backend.Store, ref backend.RepoRef) []byte {
			t.Helper()
			raw, err := os.ReadFile(path(s, ref))
			if err != nil {
				t.Fatal(err)
			}
			return raw
		},
	}
}

func storeRoot(s backend.Store) string { return s.(*local.Store).Root() }

func TestContract(t *testing.T) {
	backendtest.RunStore(t, func(t *testing.T) backend.Store { return newStore(t) },
		metadataHooks(storeRoot))
}

// The contract also holds when every subtest shares one store, as the AWS
// suite does with its tables and bucket.
func TestContractSharedStore(t *testing.T) {
	shared := newStore(t)
	backendtest.RunStore(t, func(*testing.T) backend.Store { return shared },
		metadataHooks(storeRoot))
}

// The local store's optional capabilities, each checked natively and
// through the fallback of backend/optional.go.
func TestCapabilities(t *testing.T) {
	backendtest.RunCapabilities(t, func(t *testing.T) backend.Store { return newStore(t) },
		[]backendtest.Capability{backendtest.ConditionalPut, backendtest.CleanIncomplete, backendtest.RebuildMetadata},
		metadataHooks(storeRoot))
}
