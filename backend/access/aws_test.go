package access_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
	"github.com/coopterm/coop/backend/access/accesstest"
	"github.com/coopterm/coop/backend/aws"
	"github.com/coopterm/coop/backend/backendtest"
	"github.com/coopterm/coop/internal/testservers"
)

// TestAccessAWS runs the access contract on DynamoDB Local and versitygw,
// all subtests sharing one set of tables and one bucket.
func TestAccessAWS(t *testing.T) {
	dynamo := testservers.StartDynamo(t)
	s3 := testservers.StartS3(t)
	s3.SetEnv(t)
	store, err := aws.Open(context.Background(), aws.Config{
		Bucket:            s3.NewBucket(t),
		EndpointURL:       s3.Endpoint,
		DynamoDBEndpoint:  dynamo,
		PathStyle:         true,
		AccountsTable:     testservers.UniqueName("accounts"),
		RepositoriesTable: testservers.UniqueName("repositories"),
		Timeout:           20 * time.Second,
		CacheDir:          t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if err := store.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	accesstest.Run(t, func(*testing.T) backend.Store { return store })
	// The access layer offers the six optional capabilities of the S3
	// store, each behind the caller's permissions.
	if got := backendtest.Offered(access.New(store, access.Owner("test"))); !slices.Equal(got, backendtest.AllCapabilities()) {
		t.Errorf("through the access layer the S3 store offers %v", got)
	}
}
