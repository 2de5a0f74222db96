package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/aws"
	"github.com/coopterm/coop/backend/local"
	"github.com/coopterm/coop/backend/migrate"
	"github.com/coopterm/coop/backend/migrate/migratetest"
	"github.com/coopterm/coop/internal/testservers"
)

// bulkFiles and bulkSize make a repository big enough for a migration to
// be killed part way through.
const (
	bulkFiles = 300
	bulkSize  = 64 << 10
)

// makeMigrationSource makes a local store with the migratetest fixture and
// a repository of bulkFiles files, and returns its root.
func makeMigrationSource(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	s, err := local.Open(root, local.WithoutObjectSync())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	ctx := context.Background()
	if err := s.Init(ctx); err != nil {
		t.Fatal(err)
	}
	migratetest.Populate(t, s)
	ref := backend.RepoRef{AccountID: "bob", RepositoryID: "bulk"}
	if err := s.CreateRepository(ctx, backend.Repository{ID: ref.RepositoryID, AccountID: ref.AccountID, Title: "Bulk"}); err != nil {
		t.Fatal(err)
	}
	b := backend.NewMetadataBatch(time.Time{})
	for i := range bulkFiles {
		body := bytes.Repeat([]byte{byte(i)}, bulkSize)
		info, err := s.PutObject(ctx, ref, fmt.Sprintf("part-%03d/%03d.bin", i/50, i), bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		b.Stored(info)
	}
	if _, err := s.UpdateMetadata(ctx, ref, b); err != nil {
		t.Fatal(err)
	}
	return root
}

// snapshotLocal takes a snapshot of a local store.
func snapshotLocal(t *testing.T, root string) migratetest.Snapshot {
	t.Helper()
	s, err := local.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	return migratetest.Take(t, s)
}

// awsTarget is a fresh bucket and tables on the test servers, as the
// environment of the destination (COOP_TO_…) and as a Config.
type awsTarget struct {
	cfg aws.Config
	s3  *testservers.S3Server
}

func newAWSTarget(t *testing.T) awsTarget {
	t.Helper()
	dynamo := testservers.StartDynamo(t)
	s3srv := testservers.StartS3(t)
	return awsTarget{s3: s3srv, cfg: aws.Config{
		Bucket: s3srv.NewBucket(t), EndpointURL: s3srv.Endpoint, DynamoDBEndpoint: dynamo, PathStyle: true, Region: s3srv.Region,
		AccountsTable: testservers.UniqueName("accounts"), RepositoriesTable: testservers.UniqueName("repos"),
		Timeout: 20 * time.Second,
	}}
}

// env is the environment naming the target, with prefix COOP_ (source)
// or COOP_TO_ (destination).
func (a awsTarget) env(prefix string) []string {
	return append([]string{
		prefix + "BACKEND=aws", prefix + "BUCKET=" + a.cfg.Bucket, prefix + "ENDPOINT_URL=" + a.cfg.EndpointURL,
		prefix + "PATH_STYLE=true", prefix + "DYNAMODB_ENDPOINT=" + a.cfg.DynamoDBEndpoint, prefix + "REGION=" + a.cfg.Region,
		prefix + "ACCOUNTS_TABLE=" + a.cfg.AccountsTable, prefix + "REPOSITORIES_TABLE=" + a.cfg.RepositoriesTable,
	}, a.s3.Env()...)
}

func (a awsTarget) snapshot(t *testing.T) migratetest.Snapshot {
	t.Helper()
	a.s3.SetEnv(t)
	cfg := a.cfg
	cfg.CacheDir = t.TempDir()
	s, err := aws.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	return migratetest.Take(t, s)
}

// objectCount counts the objects in the target's bucket, metadata files
// apart.
func (a awsTarget) objectCount(t *testing.T) int {
	n := 0
	var token *string
	for {
		out, err := a.s3.Client().ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: &a.cfg.Bucket, ContinuationToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			if !strings.HasSuffix(*o.Key, "/"+backend.MetadataFileName) {
				n++
			}
		}
		if out.NextContinuationToken == nil {
			return n
		}
		token = out.NextContinuationToken
	}
}

// runCoop runs coop and returns stdout, stderr and the exit code.
func runCoop(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// TestCLIMigrateKilledAndRerun moves a local store to DynamoDB Local and
// versitygw with the real binary, kills it with SIGKILL part way through
// the objects, runs it again, and finds the destination equal to the
// source; then moves it back to a new local store with the COOP_TO_
// variables and finds that equal too.
func TestCLIMigrateKilledAndRerun(t *testing.T) {
	root := makeMigrationSource(t)
	want := snapshotLocal(t, root)
	target := newAWSTarget(t)
	env := append([]string{"XDG_DATA_HOME=" + t.TempDir()}, target.s3.Env()...)
	args := []string{"migrate", "--storage", root, "--backend", "local", "--to-backend", "aws", "--to-bucket", target.cfg.Bucket,
		"--to-endpoint-url", target.cfg.EndpointURL, "--to-dynamodb-endpoint", target.cfg.DynamoDBEndpoint, "--to-path-style",
		"--to-region", target.cfg.Region, "--to-accounts-table", target.cfg.AccountsTable, "--to-repositories-table", target.cfg.RepositoriesTable,
		"--workers", "2"}

	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for target.objectCount(t) < 40 {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the migration copied fewer than 40 objects in two minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if n := target.objectCount(t); n >= bulkFiles {
		t.Fatalf("the migration finished (%d objects) before it was killed", n)
	}

	out, errs, code := runCoop(t, env, append(args, "--verify", "--json")...)
	if code != 0 {
		t.Fatalf("rerun: exit %d\n%s\n%s", code, out, errs)
	}
	var rep migrate.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	total := int64(len(migratetest.Objects) + bulkFiles)
	if rep.Objects.Skipped == 0 || rep.Objects.Copied+rep.Objects.Skipped != total || rep.Verified != total {
		t.Errorf("rerun: objects %+v verified %d, want %d in all, some skipped", rep.Objects, rep.Verified, total)
	}
	migratetest.Equal(t, want, target.snapshot(t))
	if n := target.objectCount(t); n != int(total) {
		t.Errorf("%d objects in the bucket, want %d", n, total)
	}

	// Back to a new local store, the destination named by COOP_TO_.
	back := t.TempDir()
	benv := append(target.env("COOP_"), "COOP_TO_BACKEND=local", "COOP_TO_STORAGE="+back, "XDG_DATA_HOME="+t.TempDir())
	out, errs, code = runCoop(t, benv, "migrate")
	if code != 0 {
		t.Fatalf("aws → local: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, fmt.Sprintf("%d objects copied", total)) {
		t.Errorf("summary: %s", out)
	}
	migratetest.Equal(t, want, snapshotLocal(t, back))
	logData, err := os.ReadFile(filepath.Join(back, local.StateDir, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(logData), "migrate from s3://"); n < 3+5+6 {
		t.Errorf("%d audit lines at the destination, want one per account, repository and batch:\n%s", n, logData)
	}
}

// TestCLIMigrateChecks covers the command's answers: --dry-run changes
// nothing, --as is refused, a corrupted destination object fails --verify
// (exit 1), and a conflict is reported with exit 1 and left alone.
func TestCLIMigrateChecks(t *testing.T) {
	root := makeMigrationSource(t)
	dst := t.TempDir()
	env := []string{"COOP_STORAGE=" + root, "COOP_TO_STORAGE=" + dst, "XDG_DATA_HOME=" + t.TempDir()}

	out, errs, code := runCoop(t, env, "migrate", "--dry-run", "alice")
	if code != 0 || !strings.Contains(out, "dry run, nothing changed: 1 accounts to copy") || !strings.Contains(out, "alice/field-notes: 4 objects to copy") {
		t.Errorf("dry run: exit %d\n%s\n%s", code, out, errs)
	}
	if ents, _ := os.ReadDir(dst); len(ents) > 1 {
		t.Errorf("the dry run wrote %v", ents)
	}
	if _, errs, code := runCoop(t, env, "migrate", "--as", "alice"); code != 2 || !strings.Contains(errs, "--as is refused") {
		t.Errorf("--as: exit %d: %s", code, errs)
	}
	if _, errs, code := runCoop(t, env, "migrate", "--overwrite", "--skip-existing"); code != 2 {
		t.Errorf("--overwrite --skip-existing: exit %d: %s", code, errs)
	}

	if out, errs, code := runCoop(t, env, "migrate", "alice/field-notes", "geo"); code != 0 {
		t.Fatalf("migrate: exit %d\n%s\n%s", code, out, errs)
	}
	// Same size, other bytes: only a read-back finds it.
	obj := filepath.Join(dst, "geo", "maps", "index.html")
	body, err := os.ReadFile(obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(obj, bytes.ToUpper(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code = runCoop(t, env, "migrate", "--skip-existing", "--verify", "geo")
	if code != 1 || !strings.Contains(errs, "mismatch: object geo/maps/index.html: SHA-256") {
		t.Errorf("--verify of a corrupted object: exit %d\n%s\n%s", code, out, errs)
	}
	out, errs, code = runCoop(t, env, "migrate", "geo")
	if code != 1 || !strings.Contains(errs, "conflict: object geo/maps/index.html") {
		t.Errorf("conflict: exit %d\n%s\n%s", code, out, errs)
	}
	if got, _ := os.ReadFile(obj); !bytes.Equal(got, bytes.ToUpper(body)) {
		t.Error("the conflicting object was replaced without --overwrite")
	}
	if out, errs, code = runCoop(t, env, "migrate", "geo", "--overwrite", "--verify"); code != 0 {
		t.Errorf("--overwrite: exit %d\n%s\n%s", code, out, errs)
	}
	if got, _ := os.ReadFile(obj); !bytes.Equal(got, body) {
		t.Error("--overwrite left the corrupted object")
	}
}
