package memstore_test

import (
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
	"github.com/coopterm/coop/backend/access/accesstest"
	"github.com/coopterm/coop/backend/backendtest"
	"github.com/coopterm/coop/backend/memstore"
)

func corrupt(t *testing.T, s backend.Store, ref backend.RepoRef) {
	t.Helper()
	s.(*memstore.Store).SetMetadataFile(ref, []byte(backendtest.CorruptMetadataContent))
}

func TestContract(t *testing.T) {
	backendtest.RunStore(t, func(*testing.T) backend.Store { return memstore.New() }, backendtest.Hooks{CorruptMetadata: corrupt})
}

// The contract holds when every subtest shares one store too.
func TestContractSharedStore(t *testing.T) {
	shared := memstore.New()
	backendtest.RunStore(t, func(*testing.T) backend.Store { return shared }, backendtest.Hooks{CorruptMetadata: corrupt})
}

// memstore offers no optional capability: every caller takes the
// fallbacks, which the capability suite runs.
func TestCapabilities(t *testing.T) {
	backendtest.RunCapabilities(t, func(*testing.T) backend.Store { return memstore.New() }, nil, backendtest.Hooks{CorruptMetadata: corrupt})
}

func TestAccess(t *testing.T) {
	accesstest.Run(t, func(*testing.T) backend.Store { return memstore.New() })
}

// For the machine's owner the access layer is invisible: the store
// contract holds through it.
func TestOwnerKeepsStoreContract(t *testing.T) {
	base := memstore.New()
	backendtest.RunStore(t, func(*testing.T) backend.Store { return access.New(base, access.Owner("test")) },
		backendtest.Hooks{CorruptMetadata: func(t *testing.T, _ backend.Store, ref backend.RepoRef) { corrupt(t, base, ref) }})
}
