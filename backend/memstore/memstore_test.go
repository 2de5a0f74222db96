package memstore_test

import (
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
	"github.com/coopterm/coop/backend/access/accesstest"
	"github.com/coopterm/coop/backend/backendtest"
	"github.com/coopterm/coop/backend/memstore"
)

// hooks reach the metadata files of base, whatever wrapper the suite
// calls them with.
func hooks(base *memstore.Store) backendtest.Hooks {
	return backendtest.Hooks{
		WriteRawMetadata: func(_ *testing.T, _ backend.Store, ref backend.RepoRef, raw []byte) { base.SetMetadataFile(ref, raw) },
		ReadRawMetadata:  func(_ *testing.T, _ backend.Store, ref backend.RepoRef) []byte { return base.MetadataFile(ref) },
	}
}

// ownHooks reach the metadata files of the store the suite passes.
func ownHooks() backendtest.Hooks {
	return backendtest.Hooks{
		WriteRawMetadata: func(_ *testing.T, s backend.Store, ref backend.RepoRef, raw []byte) {
			s.(*memstore.Store).SetMetadataFile(ref, raw)
		},
		ReadRawMetadata: func(_ *testing.T, s backend.Store, ref backend.RepoRef) []byte {
			return s.(*memstore.Store).MetadataFile(ref)
		},
	}
}

func TestContract(t *testing.T) {
	backendtest.RunStore(t, func(*testing.T) backend.Store { return memstore.New() }, ownHooks())
}

// The contract holds when every subtest shares one store too.
func TestContractSharedStore(t *testing.T) {
	shared := memstore.New()
	backendtest.RunStore(t, func(*testing.T) backend.Store { return shared }, hooks(shared))
}

// memstore offers no optional capability: every caller takes the
// fallbacks, which the capability suite runs.
func TestCapabilities(t *testing.T) {
	backendtest.RunCapabilities(t, func(*testing.T) backend.Store { return memstore.New() }, nil, ownHooks())
}

func TestAccess(t *testing.T) {
	accesstest.Run(t, func(*testing.T) backend.Store { return memstore.New() })
}

// For the machine's owner the access layer is invisible: the store
// contract holds through it.
func TestOwnerKeepsStoreContract(t *testing.T) {
	base := memstore.New()
	backendtest.RunStore(t, func(*testing.T) backend.Store { return access.New(base, access.Owner("test")) },
		hooks(base))
}
