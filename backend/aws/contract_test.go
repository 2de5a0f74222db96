package aws

import (
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/backendtest"
)

// TestContract runs the backend-agnostic contract against DynamoDB Local
// and versitygw, with fresh tables and a fresh bucket for every subtest.
func TestContract(t *testing.T) {
	backendtest.RunStore(t, func(t *testing.T) backend.Store { return newStore(t) },
		backendtest.Hooks{CorruptMetadata: func(t *testing.T, s backend.Store, ref backend.RepoRef) {
			rawPut(t, s.(*Store), metadataKey(ref), backendtest.CorruptMetadataContent)
		}})
}
