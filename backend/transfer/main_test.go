package transfer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/aws"
	"github.com/coopterm/coop/backend/backendtest"
	"github.com/coopterm/coop/backend/local"
	"github.com/coopterm/coop/internal/testservers"
)

// servers are DynamoDB Local and versitygw, started by the first test
// that needs them.
var servers = testservers.NewShared("transfer")

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	os.Exit(servers.Run(m))
}

// testRepo is the repository every test writes to.
var testRepo = backend.RepoRef{AccountID: "acme", RepositoryID: "data"}

// env is one backend under test.
type env struct {
	name  string
	store backend.Store
	// root (local) or cfg (aws) let child processes open the same store.
	root  string
	cfg   aws.Config
	proxy *testservers.FaultProxy // aws only: between the store and versitygw
}

// newLocal opens a fresh local store holding testRepo.
func newLocal(t *testing.T) *env {
	t.Helper()
	root := filepath.Join(t.TempDir(), "store")
	s, err := local.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	e := &env{name: "local", store: s, root: root}
	e.init(t)
	return e
}

// newAWS opens a fresh AWS store (own bucket and tables) holding testRepo,
// reached through a fault proxy.
func newAWS(t *testing.T) *env {
	t.Helper()
	proxy := testservers.StartFaultProxy(t, servers.S3(t).Endpoint)
	cfg := aws.Config{
		Bucket: servers.S3(t).NewBucket(t), EndpointURL: proxy.URL, DynamoDBEndpoint: servers.Dynamo(t).Endpoint,
		PathStyle: true, AccountsTable: testservers.UniqueName("accounts"),
		RepositoriesTable: testservers.UniqueName("repositories"), Timeout: 20 * time.Second,
		CacheDir: t.TempDir(),
	}
	s, err := aws.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	e := &env{name: "aws", store: s, cfg: cfg, proxy: proxy}
	e.init(t)
	return e
}

func (e *env) init(t *testing.T) {
	t.Helper()
	ctx := t.Context()
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

// newQueue starts a queue over e's store, closed at cleanup.
func newQueue(t *testing.T, e *env, opts Options) *Queue {
	t.Helper()
	if opts.RetryBase == 0 {
		opts.RetryBase = 20 * time.Millisecond
	}
	q := New(context.Background(), e.store, opts)
	t.Cleanup(func() { _ = q.Close() })
	return q
}

// run submits specs, waits for the queue to drain and returns the jobs.
func run(t *testing.T, q *Queue, specs ...Spec) []Job {
	t.Helper()
	ids := make([]JobID, len(specs))
	for i, s := range specs {
		id, err := q.Submit(s)
		if err != nil {
			t.Fatalf("Submit %+v: %v", s, err)
		}
		ids[i] = id
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := q.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	jobs := make([]Job, len(ids))
	for i, id := range ids {
		jobs[i], _ = q.Job(id)
	}
	return jobs
}

// wantState fails the test unless job j ended in state st.
func wantState(t *testing.T, q *Queue, j Job, st State) {
	t.Helper()
	if j.State != st {
		t.Fatalf("job %d (%s %s): state %s, want %s; err %v; item errors %v", j.ID, j.Kind, j.Remote, j.State, st, j.Err, q.ItemErrors(j.ID))
	}
}

// writeFiles writes files (relative path → content) under dir.
func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for rel, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// content makes n bytes of content that differ with seed.
func content(seed string, n int) []byte {
	b := make([]byte, 0, n+32)
	sum := sha256.Sum256([]byte(seed))
	for len(b) < n {
		b = append(b, sum[:]...)
		sum = sha256.Sum256(sum[:])
	}
	return b[:n]
}

func sha(b []byte) string { return backendtest.SHA256(b) }

// checkMetadata fails the test unless the repository's metadata matches
// its objects exactly, as the queue must leave it (see
// backendtest.CheckMetadata: no folder entry without a file below). It
// returns the objects.
func checkMetadata(t *testing.T, s backend.Store, repo backend.RepoRef) map[string][]byte {
	t.Helper()
	objs, _ := backendtest.CheckMetadata(t, s, repo, backendtest.OnlyFoldersOfObjects)
	return objs
}

// sameFiles fails the test unless dir holds exactly files.
func sameFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	got := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		got[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(files) {
		t.Errorf("%s holds %d files, want %d", dir, len(got), len(files))
	}
	for rel, want := range files {
		if !bytes.Equal(got[rel], want) {
			t.Errorf("%s/%s: content differs (%d bytes, want %d)", dir, rel, len(got[rel]), len(want))
		}
	}
}

// contextTimeout bounds one wait in a test.
func contextTimeout(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), 2*time.Minute)
}

// childEnv, when set, makes the test binary run childMain instead of the
// tests (see process_test.go).
const childEnv = "COOP_TRANSFER_TEST_CHILD"
