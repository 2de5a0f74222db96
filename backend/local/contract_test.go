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

// corruptMetadata overwrites a repository's metadata file on disk.
func corruptMetadata(t *testing.T, s backend.Store, ref backend.RepoRef) {
	t.Helper()
	p := filepath.Join(s.(*local.Store).Root(), ref.AccountID, ref.RepositoryID, backend.MetadataFileName)
	if err := os.WriteFile(p, []byte(backendtest.CorruptMetadataContent), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestContract(t *testing.T) {
	backendtest.RunStore(t, func(t *testing.T) backend.Store { return newStore(t) },
		backendtest.Hooks{CorruptMetadata: corruptMetadata})
}

// The contract also holds when every subtest shares one store, as the AWS
// suite does with its tables and bucket.
func TestContractSharedStore(t *testing.T) {
	shared := newStore(t)
	backendtest.RunStore(t, func(*testing.T) backend.Store { return shared },
		backendtest.Hooks{CorruptMetadata: corruptMetadata})
}

// The local store's optional capabilities, each checked natively and
// through the fallback of backend/optional.go.
func TestCapabilities(t *testing.T) {
	backendtest.RunCapabilities(t, func(t *testing.T) backend.Store { return newStore(t) },
		[]backendtest.Capability{backendtest.ConditionalPut, backendtest.CleanIncomplete, backendtest.RebuildMetadata},
		backendtest.Hooks{CorruptMetadata: corruptMetadata})
}
