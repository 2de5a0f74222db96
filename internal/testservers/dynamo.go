package testservers

import (
	"fmt"
	"os"
	"strconv"
	"testing"
)

// DynamoServer is a DynamoDB Local this package started, or the one named
// by COOP_TEST_DYNAMODB_ENDPOINT.
type DynamoServer struct {
	// Endpoint is the server's base URL, e.g. http://127.0.0.1:41234.
	Endpoint string
	// External is true when the server was reused from the environment
	// and Stop leaves it running.
	External bool

	proc *process
}

// LaunchDynamo starts DynamoDB Local (in memory) on a free port and waits
// until it answers, or returns the server named by
// COOP_TEST_DYNAMODB_ENDPOINT. The caller stops it with Stop; use it from
// TestMain, and StartDynamo from a test.
func LaunchDynamo() (*DynamoServer, error) {
	if ep := os.Getenv(EnvDynamoEndpoint); ep != "" {
		return &DynamoServer{Endpoint: ep, External: true}, nil
	}
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	lib, err := dynamoLibDir(dir)
	if err != nil {
		return nil, err
	}
	java, err := javaPath()
	if err != nil {
		return nil, err
	}
	p, port, err := startOnFreePort(func(port int) (*process, error) {
		return startProcess("DynamoDB Local", lib, java,
			"-Djava.library.path=./DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar",
			"-inMemory", "-port", strconv.Itoa(port))
	})
	if err != nil {
		return nil, fmt.Errorf("start DynamoDB Local: %w (if it is not installed: %s)", err, installHint)
	}
	return &DynamoServer{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), proc: p}, nil
}

// Stop ends a server this package started; it leaves an external one alone.
func (d *DynamoServer) Stop() error {
	if d == nil || d.proc == nil {
		return nil
	}
	return d.proc.stop()
}

// StartDynamo starts DynamoDB Local for one test (or reuses
// COOP_TEST_DYNAMODB_ENDPOINT), stops it at cleanup, and returns its
// endpoint. It fails the test, naming the fix, if the server cannot be
// had. Give each test its own table names (UniqueName).
func StartDynamo(tb testing.TB) string {
	tb.Helper()
	d, err := LaunchDynamo()
	if err != nil {
		tb.Fatalf("testservers: %v", err)
	}
	tb.Cleanup(func() {
		if err := d.Stop(); err != nil {
			tb.Errorf("testservers: %v", err)
		}
	})
	return d.Endpoint
}
