package aws

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	d, err := testservers.LaunchDynamo()
	if err != nil {
		fmt.Fprintln(os.Stderr, "backend/aws tests:", err)
		return 1
	}
	defer func() {
		if err := d.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "backend/aws tests:", err)
		}
	}()
	s, err := testservers.LaunchS3()
	if err != nil {
		fmt.Fprintln(os.Stderr, "backend/aws tests:", err)
		return 1
	}
	defer func() {
		if err := s.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "backend/aws tests:", err)
		}
	}()
	testEnv = servers{dynamo: d, s3: s}
	// The store finds credentials through the standard chain, as it does
	// for users: give it the test server's, and keep a developer's own
	// AWS configuration out of the way.
	empty := filepath.Join(os.TempDir(), "coop-aws-test-no-such-file")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           s.AccessKey,
		"AWS_SECRET_ACCESS_KEY":       s.SecretKey,
		"AWS_REGION":                  s.Region,
		"AWS_CONFIG_FILE":             empty,
		"AWS_SHARED_CREDENTIALS_FILE": empty,
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		_ = os.Setenv(k, v)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"} {
		_ = os.Unsetenv(k)
	}
	return m.Run()
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
