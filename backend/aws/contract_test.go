package aws

import (
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/backendtest"
)

// TestContract runs the backend-agnostic contract against DynamoDB Local
// and versitygw, with fresh tables and a fresh bucket for every subtest.
func TestContract(t *testing.T) {
	backendtest.RunStore(t, func(t *testing.T) backend.Store { return newStore(t) }, contractHooks())
}

func contractHooks() backendtest.Hooks {
	return backendtest.Hooks{
		WriteRawMetadata: func(t *testing.T, s backend.Store, ref backend.RepoRef, raw []byte) {
			rawPut(t, s.(*Store), metadataKey(ref), string(raw))
		},
		ReadRawMetadata: func(t *testing.T, s backend.Store, ref backend.RepoRef) []byte {
			return []byte(rawGet(t, s.(*Store), metadataKey(ref)))
		},
	}
}

// TestCapabilities checks that the S3 store offers every optional
// capability, each natively and through the fallback of backend/optional.go.
func TestCapabilities(t *testing.T) {
	backendtest.RunCapabilities(t, func(t *testing.T) backend.Store { return newStore(t) },
		backendtest.AllCapabilities(), contractHooks())
}
