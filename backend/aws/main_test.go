package aws

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/testservers"
)

// servers are the package's DynamoDB Local and versitygw, started by the
// first test that needs them; each test gets its own tables and bucket on
// them.
var servers = testservers.NewShared("backend/aws")

// TestMain stops the servers the tests started. The stores find
// credentials through the standard chain, as they do for users, pointed
// at the test servers' (see testservers.Shared).
func TestMain(m *testing.M) { os.Exit(servers.Run(m)) }

// testConfig returns a Config with fresh table names and a fresh bucket.
// On a DynamoDB reused from the environment the tables are dropped at
// cleanup; one this package started is thrown away whole.
func testConfig(t testing.TB) Config {
	t.Helper()
	s3, dynamo := servers.S3(t), servers.Dynamo(t)
	cfg := Config{
		Bucket:            s3.NewBucket(t),
		EndpointURL:       s3.Endpoint,
		DynamoDBEndpoint:  dynamo.Endpoint,
		PathStyle:         true,
		AccountsTable:     testservers.UniqueName("accounts"),
		RepositoriesTable: testservers.UniqueName("repositories"),
		Timeout:           20 * time.Second,
		CacheDir:          t.TempDir(),
	}
	if dynamo.External {
		t.Cleanup(func() { dropTables(t, cfg) })
	}
	return cfg
}

// dropTables deletes a test's tables, if it made them.
func dropTables(t testing.TB, cfg Config) {
	s, err := Open(context.Background(), cfg)
	if err != nil {
		t.Logf("drop tables: %v", err)
		return
	}
	for _, table := range []string{cfg.AccountsTable, cfg.RepositoriesTable} {
		_, err := s.ddb.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &table})
		if err != nil && !isCode(err, "ResourceNotFoundException") {
			t.Logf("drop table %s: %v", table, err)
		}
	}
}

// openStore opens a store on cfg and closes it at cleanup.
func openStore(t testing.TB, cfg Config) *Store {
	t.Helper()
	s, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// newStore opens an initialized store with its own tables and bucket.
func newStore(t testing.TB) *Store {
	t.Helper()
	s := openStore(t, testConfig(t))
	if err := s.Init(context.Background()); err != nil {
		t.Fatalf("Init: %v", err)
	}
	return s
}

// newRepo creates an account and a repository in s and returns its ref.
func newRepo(t testing.TB, s *Store) backend.RepoRef {
	t.Helper()
	ctx := context.Background()
	ref := backend.RepoRef{AccountID: "acme", RepositoryID: "data"}
	if err := s.CreateAccount(ctx, backend.Account{ID: ref.AccountID, Type: backend.AccountOrganization, Name: "Acme"}); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if err := s.CreateRepository(ctx, backend.Repository{ID: ref.RepositoryID, AccountID: ref.AccountID, Title: "Data"}); err != nil {
		t.Fatalf("CreateRepository: %v", err)
	}
	return ref
}
