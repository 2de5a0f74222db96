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

// servers are the package's DynamoDB Local and versitygw, started once in
// TestMain; each test gets its own tables and bucket on them.
type servers struct {
	dynamo *testservers.DynamoServer
	s3     *testservers.S3Server
}

// testEnv is set by TestMain before any test runs and never changed.
var testEnv servers

// TestMain starts the servers; the stores find credentials through the
// standard chain, as they do for users, pointed at the test server's.
func TestMain(m *testing.M) {
	os.Exit(testservers.Main(m, "backend/aws", func(s testservers.Servers) {
		testEnv = servers{dynamo: s.Dynamo, s3: s.S3}
	}))
}

// testConfig returns a Config with fresh table names and a fresh bucket.
// On a DynamoDB reused from the environment the tables are dropped at
// cleanup; one this package started is thrown away whole.
func testConfig(t testing.TB) Config {
	t.Helper()
	cfg := Config{
		Bucket:            testEnv.s3.NewBucket(t),
		EndpointURL:       testEnv.s3.Endpoint,
		DynamoDBEndpoint:  testEnv.dynamo.Endpoint,
		PathStyle:         true,
		AccountsTable:     testservers.UniqueName("accounts"),
		RepositoriesTable: testservers.UniqueName("repositories"),
		Timeout:           20 * time.Second,
	}
	if testEnv.dynamo.External {
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
