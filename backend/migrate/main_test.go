package migrate_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/aws"
	"github.com/coopterm/coop/backend/local"
	"github.com/coopterm/coop/internal/testservers"
)

// servers are DynamoDB Local and versitygw, started by the first test
// that needs them.
var servers = testservers.NewShared("backend/migrate")

func TestMain(m *testing.M) { os.Exit(servers.Run(m)) }

// newLocal opens a local store in a fresh folder, initialized if init.
func newLocal(t *testing.T, init bool) *local.Store {
	t.Helper()
	s, err := local.Open(t.TempDir(), local.WithoutObjectSync())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if init {
		if err := s.Init(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// newAWS opens a store with its own tables and bucket on the test
// servers, not initialized: the migration does that.
func newAWS(t *testing.T) *aws.Store {
	t.Helper()
	s3, dynamo := servers.S3(t), servers.Dynamo(t)
	s, err := aws.Open(context.Background(), aws.Config{
		Bucket:            s3.NewBucket(t),
		EndpointURL:       s3.Endpoint,
		DynamoDBEndpoint:  dynamo.Endpoint,
		PathStyle:         true,
		AccountsTable:     testservers.UniqueName("accounts"),
		RepositoriesTable: testservers.UniqueName("repositories"),
		Timeout:           20 * time.Second,
		CacheDir:          t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var _ backend.Store = (*aws.Store)(nil)
