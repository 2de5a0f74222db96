package repair

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/aws"
	"github.com/coopterm/coop/backend/local"
	"github.com/coopterm/coop/internal/testservers"
)

// servers are DynamoDB Local and versitygw, started by the first test
// that needs them.
var servers = testservers.NewShared("repair")

func TestMain(m *testing.M) {
	os.Exit(servers.Run(m))
}

// testRepo is the repository every test repairs.
var testRepo = backend.RepoRef{AccountID: "acme", RepositoryID: "data"}

// env is one backend under test, with a way to write an object as
// another tool would: straight into the storage tree or the bucket, with
// no content type and no entry.
type env struct {
	name   string
	store  backend.Store
	raw    func(t testing.TB, path string, body []byte)
	rawGet func(t testing.TB, path string) []byte
}

// metadataBytes reads the metadata file as it is stored.
func (e *env) metadataBytes(t testing.TB) []byte {
	t.Helper()
	return e.rawGet(t, backend.MetadataFileName)
}

func newLocal(t testing.TB) *env {
	t.Helper()
	root := filepath.Join(t.TempDir(), "store")
	s, err := local.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	e := &env{name: "local", store: s, raw: func(t testing.TB, p string, body []byte) {
		t.Helper()
		abs := filepath.Join(root, testRepo.AccountID, testRepo.RepositoryID, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(abs, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}, rawGet: func(t testing.TB, p string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(root, testRepo.AccountID, testRepo.RepositoryID, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}}
	e.init(t)
	return e
}

func newAWS(t testing.TB) *env {
	t.Helper()
	cfg := aws.Config{
		Bucket: servers.S3(t).NewBucket(t), EndpointURL: servers.S3(t).Endpoint, DynamoDBEndpoint: servers.Dynamo(t).Endpoint,
		PathStyle: true, AccountsTable: testservers.UniqueName("accounts"),
		RepositoriesTable: testservers.UniqueName("repositories"), Timeout: 20 * time.Second,
		CacheDir: t.TempDir(),
	}
	s, err := aws.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	client := servers.S3(t).Client()
	e := &env{name: "aws", store: s, raw: func(t testing.TB, p string, body []byte) {
		t.Helper()
		key := testRepo.AccountID + "/" + testRepo.RepositoryID + "/" + p
		if _, err := client.PutObject(context.Background(), &s3.PutObjectInput{
			Bucket: &cfg.Bucket, Key: &key, Body: bytes.NewReader(body),
		}); err != nil {
			t.Fatal(err)
		}
	}, rawGet: func(t testing.TB, p string) []byte {
		t.Helper()
		key := testRepo.AccountID + "/" + testRepo.RepositoryID + "/" + p
		out, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &cfg.Bucket, Key: &key})
		if err != nil {
			t.Fatal(err)
		}
		defer out.Body.Close()
		b, err := io.ReadAll(out.Body)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}}
	e.init(t)
	return e
}

func (e *env) init(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	if err := e.store.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateAccount(ctx, backend.Account{ID: testRepo.AccountID, Type: backend.AccountOrganization, Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateRepository(ctx, backend.Repository{ID: testRepo.RepositoryID, AccountID: testRepo.AccountID, Title: "Data", Visibility: backend.VisibilityPrivate}); err != nil {
		t.Fatal(err)
	}
}

// eachBackend runs fn against a fresh local store and a fresh AWS store.
func eachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Run("local", func(t *testing.T) { t.Parallel(); fn(t, newLocal(t)) })
	t.Run("aws", func(t *testing.T) { t.Parallel(); fn(t, newAWS(t)) })
}

// put stores an object and returns what the store says of it; no entry.
func (e *env) put(t testing.TB, p, body string) backend.ObjectInfo {
	t.Helper()
	info, err := e.store.PutObject(context.Background(), testRepo, p, strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("put %s: %v", p, err)
	}
	return info
}

// record sets path's entry to m.
func (e *env) record(t testing.TB, p string, m backend.ObjectMeta) {
	t.Helper()
	if err := e.store.UpdateObjectMetadata(context.Background(), testRepo, p, &m); err != nil {
		t.Fatalf("record %s: %v", p, err)
	}
}

// metadata reads the repository's metadata document.
func (e *env) metadata(t testing.TB) backend.SourceMetadata {
	t.Helper()
	doc, err := backend.LoadMetadata(context.Background(), e.store, testRepo)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
