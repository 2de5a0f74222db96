package storetests

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/aws"
	"github.com/coopterm/coop/backend/local"
	"github.com/coopterm/coop/internal/testservers"
)

// servers are DynamoDB Local and versitygw, started by the first test
// that needs them.
var servers = testservers.NewShared("content store")

func TestMain(m *testing.M) { os.Exit(servers.Run(m)) }

var repo = backend.RepoRef{AccountID: "earth-lab", RepositoryID: "scenes"}

// env is one store under test; proxy is set for the AWS store.
type env struct {
	name  string
	store backend.Store
	proxy *testservers.FaultProxy
}

func newLocal(t *testing.T) *env {
	t.Helper()
	s, err := local.Open(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	e := &env{name: "local", store: s}
	e.init(t)
	return e
}

func newAWS(t testing.TB) *env {
	t.Helper()
	s3 := servers.S3(t)
	proxy := testservers.StartFaultProxy(t, s3.Endpoint)
	cfg := aws.Config{
		Bucket: s3.NewBucket(t), EndpointURL: proxy.URL, DynamoDBEndpoint: servers.Dynamo(t).Endpoint,
		PathStyle: true, AccountsTable: testservers.UniqueName("accounts"),
		RepositoriesTable: testservers.UniqueName("repositories"), Timeout: 30 * time.Second,
	}
	s, err := aws.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	e := &env{name: "aws", store: s, proxy: proxy}
	e.init(t)
	return e
}

func (e *env) init(t testing.TB) {
	t.Helper()
	ctx := t.Context()
	if err := e.store.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateAccount(ctx, backend.Account{ID: repo.AccountID, Type: backend.AccountOrganization, Name: "Earth Lab"}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateRepository(ctx, backend.Repository{ID: repo.RepositoryID, AccountID: repo.AccountID, Title: "Scenes", Visibility: backend.VisibilityPublic}); err != nil {
		t.Fatal(err)
	}
}

// put stores files (path → content) in the repository.
func (e *env) put(t testing.TB, files map[string][]byte) {
	t.Helper()
	for p, b := range files {
		e.putReader(t, p, int64(len(b)), bytes.NewReader(b))
	}
}

func (e *env) putReader(t testing.TB, p string, size int64, r io.Reader) {
	t.Helper()
	if _, err := e.store.PutObject(t.Context(), repo, p, r, size); err != nil {
		t.Fatalf("put %s: %v", p, err)
	}
}

// eachStore runs fn on a fresh local store and a fresh AWS store.
func eachStore(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Run("local", func(t *testing.T) { t.Parallel(); fn(t, newLocal(t)) })
	t.Run("aws", func(t *testing.T) { t.Parallel(); fn(t, newAWS(t)) })
}
