package testservers

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// Shared are DynamoDB Local and versitygw for the tests of one binary:
// each is started the first time a test asks for it, and Run stops them
// when the tests end. A run of tests that ask for neither (a package's
// unit tests, or -run picking local-store tests) starts neither, so it
// needs neither Java nor versitygw. A server that cannot start fails every
// test that asks for it, saying why: none is skipped for want of one.
type Shared struct {
	name string

	mu        sync.Mutex
	envSet    bool
	dynamo    *DynamoServer
	dynamoErr error
	s3        *S3Server
	s3Err     error
}

// NewShared returns the servers of the tests of package name (used in
// messages); keep it in a package variable and call Run from TestMain.
func NewShared(name string) *Shared { return &Shared{name: name} }

// Run runs the tests and stops the servers they started; it is the body
// of TestMain: os.Exit(shared.Run(m)).
func (sh *Shared) Run(m *testing.M) int {
	code := m.Run()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for _, stop := range []func() error{sh.dynamo.Stop, sh.s3.Stop} {
		if err := stop(); err != nil {
			fmt.Fprintf(os.Stderr, "%s tests: %v\n", sh.name, err)
			code = max(code, 1)
		}
	}
	return code
}

// Dynamo returns the binary's DynamoDB Local, starting it on first use,
// and points this process's AWS credential chain at the test servers (see
// S3Server.Env). It fails tb if the server cannot be had.
func (sh *Shared) Dynamo(tb testing.TB) *DynamoServer {
	tb.Helper()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.setEnv()
	if sh.dynamo == nil && sh.dynamoErr == nil {
		sh.dynamo, sh.dynamoErr = LaunchDynamo()
	}
	if sh.dynamoErr != nil {
		tb.Fatalf("%s tests: %v", sh.name, sh.dynamoErr)
	}
	return sh.dynamo
}

// S3 returns the binary's versitygw, starting it on first use, and points
// this process's AWS credential chain at it (see S3Server.Env). It fails
// tb if the server cannot be had.
func (sh *Shared) S3(tb testing.TB) *S3Server {
	tb.Helper()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.setEnv()
	if sh.s3 == nil && sh.s3Err == nil {
		sh.s3, sh.s3Err = LaunchS3()
	}
	if sh.s3Err != nil {
		tb.Fatalf("%s tests: %v", sh.name, sh.s3Err)
	}
	return sh.s3
}

// setEnv sets the credentials of the test servers in this process's
// environment, once, so that stores opened with the standard credential
// chain (as users' are) sign for them. The caller holds sh.mu.
func (sh *Shared) setEnv() {
	if sh.envSet {
		return
	}
	sh.envSet = true
	creds := &S3Server{AccessKey: envOr(EnvS3AccessKey, DefaultAccessKey), SecretKey: envOr(EnvS3SecretKey, DefaultSecretKey), Region: Region}
	for _, kv := range creds.env() {
		if kv.value == "" {
			_ = os.Unsetenv(kv.name)
		} else {
			_ = os.Setenv(kv.name, kv.value)
		}
	}
}

// CoopEnv is the environment that has a coop process use these servers:
// the aws backend on bucket (which the caller creates), fresh table names,
// and the server's credentials (S3Server.Env).
func CoopEnv(dynamoEndpoint string, s *S3Server, bucket string) []string {
	return append([]string{
		"COOP_BACKEND=aws", "COOP_BUCKET=" + bucket, "COOP_ENDPOINT_URL=" + s.Endpoint, "COOP_PATH_STYLE=true",
		"COOP_DYNAMODB_ENDPOINT=" + dynamoEndpoint, "COOP_REGION=" + s.Region,
		"COOP_ACCOUNTS_TABLE=" + UniqueName("accounts"), "COOP_REPOSITORIES_TABLE=" + UniqueName("repos"),
	}, s.Env()...)
}
