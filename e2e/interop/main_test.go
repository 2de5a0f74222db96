// Package interop checks coop against the platform's other writers and
// readers: the aws CLI and boto3 (Debian's awscli and python3-boto3,
// which make test installs) make the tables, items, objects and metadata
// documents as they would, coop reads, lists, stats, downloads, uploads
// into and repairs them, and then the same tools read what coop wrote and
// check it against the schema in DESIGN.md. Everything runs against one
// DynamoDB Local and one versitygw.
package interop

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coopterm/coop/internal/testservers"
)

// env is what TestMain found and started; set once, then only read.
var env struct {
	coop, aws, python string
}

// servers are DynamoDB Local and versitygw, started by the first test.
var servers = testservers.NewShared("e2e/interop")

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if env.aws, err = tool("aws"); err != nil {
		return fail(err)
	}
	if env.python, err = tool("python3"); err != nil {
		return fail(err)
	}
	if out, err := exec.Command(env.python, "-c", "import boto3").CombinedOutput(); err != nil {
		return fail(fmt.Errorf("%s cannot import boto3 (make test installs python3-boto3): %w: %s", env.python, err, out))
	}
	dir, err := os.MkdirTemp("", "coop-interop-bin")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)
	env.coop = filepath.Join(dir, "coop")
	if out, err := exec.Command("go", "build", "-o", env.coop, "../../cmd/coop").CombinedOutput(); err != nil {
		return fail(fmt.Errorf("build coop: %w: %s", err, out))
	}
	return servers.Run(m)
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "e2e/interop:", err)
	return 1
}

// tool finds a program, preferring the system's own copy in /usr/bin —
// what Debian's awscli and python3-boto3 install — over another on PATH
// (a Python version manager's shim, say, whose python has no boto3).
func tool(name string) (string, error) {
	if p := "/usr/bin/" + name; isExec(p) {
		return p, nil
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not installed (make test installs awscli and python3-boto3)", name)
	}
	return p, nil
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// store is one test's tables and bucket on the shared servers, and the
// environment every tool needs to reach them.
type store struct {
	bucket, accounts, repositories string
	dynamo, s3                     string   // the servers' endpoints
	env                            []string // for coop, the aws CLI and the scripts
}

// newStore makes a fresh bucket and table names; the tables themselves
// are made by the other tools (seed.py), as on the platform.
func newStore(t *testing.T) *store {
	t.Helper()
	dynamo, s3 := servers.Dynamo(t), servers.S3(t)
	st := &store{bucket: s3.NewBucket(t), dynamo: dynamo.Endpoint, s3: s3.Endpoint}
	coopEnv := testservers.CoopEnv(dynamo.Endpoint, s3, st.bucket)
	for _, kv := range coopEnv {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "COOP_ACCOUNTS_TABLE":
			st.accounts = v
		case "COOP_REPOSITORIES_TABLE":
			st.repositories = v
		}
	}
	awsConfig := filepath.Join(t.TempDir(), "aws-config")
	// The aws CLI addresses a bucket by host name unless told otherwise.
	if err := os.WriteFile(awsConfig, []byte("[default]\ns3 =\n    addressing_style = path\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	st.env = append(coopEnv,
		"HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir(),
		"INTEROP_DYNAMO="+dynamo.Endpoint, "INTEROP_S3="+s3.Endpoint, "INTEROP_BUCKET="+st.bucket,
		"INTEROP_ACCOUNTS="+st.accounts, "INTEROP_REPOSITORIES="+st.repositories,
		"AWS_CONFIG_FILE="+awsConfig, "AWS_PAGER=", "AWS_DEFAULT_OUTPUT=json",
		"AWS_DEFAULT_REGION="+s3.Region) // botocore of Debian 12 reads no AWS_REGION
	return st
}

// environ is this process's environment with the store's over it; a
// variable the store gives empty is left out altogether (botocore takes
// AWS_PROFILE="" for a profile named "").
func (st *store) environ() []string {
	mine := map[string]bool{}
	for _, kv := range st.env {
		k, _, _ := strings.Cut(kv, "=")
		mine[k] = true
	}
	var out []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !mine[k] {
			out = append(out, kv)
		}
	}
	for _, kv := range st.env {
		if k, v, _ := strings.Cut(kv, "="); v != "" || k == "AWS_PAGER" {
			out = append(out, kv)
		}
	}
	return out
}

// result is one finished command.
type result struct {
	code        int
	out, stderr string
}

// exec runs a program in the store's environment with stdin empty.
func (st *store) exec(t *testing.T, prog string, args ...string) result {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Env = st.environ()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{out: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", prog, err)
	}
	return r
}

// coop runs coop and wants exit code want.
func (st *store) coop(t *testing.T, want int, args ...string) result {
	t.Helper()
	r := st.exec(t, env.coop, args...)
	if r.code != want {
		t.Fatalf("coop %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, want, r.out, r.stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if line != "" && !strings.HasPrefix(line, "coop: ") {
			t.Errorf("coop %s: stderr line %q is not a one-line coop message", strings.Join(args, " "), line)
		}
	}
	return r
}

// aws runs the aws CLI and fails the test unless it succeeds.
func (st *store) aws(t *testing.T, args ...string) string {
	t.Helper()
	args = append([]string{"--endpoint-url", st.s3}, args...)
	if args[2] == "dynamodb" {
		args[1] = st.dynamo
	}
	r := st.exec(t, env.aws, args...)
	if r.code != 0 {
		t.Fatalf("aws %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.out, r.stderr)
	}
	return r.out
}

// python runs a script of testdata with boto3 and fails the test unless
// it succeeds; it returns what the script printed.
func (st *store) python(t *testing.T, script string, args ...string) string {
	t.Helper()
	r := st.exec(t, env.python, append([]string{filepath.Join("testdata", script)}, args...)...)
	if r.code != 0 {
		t.Fatalf("%s %s: exit %d\n%s%s", script, strings.Join(args, " "), r.code, r.out, r.stderr)
	}
	return r.out
}
