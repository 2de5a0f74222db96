package testservers

import (
	"fmt"
	"os"
	"testing"
)

// Servers are DynamoDB Local and versitygw, started once for a test
// binary by Main.
type Servers struct {
	Dynamo *DynamoServer
	S3     *S3Server
}

// Main is the body of a TestMain whose tests need both servers: it starts
// them, hands them to started, points this process's AWS credential
// chain at them (see S3Server.Env), runs the tests and stops the servers.
// A server that cannot start fails the whole binary, saying why, prefixed
// by name: no test is skipped for want of one.
func Main(m *testing.M, name string, started func(Servers)) int {
	d, err := LaunchDynamo()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s tests: %v\n", name, err)
		return 1
	}
	defer stopOrSay(name, d.Stop)
	s, err := LaunchS3()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s tests: %v\n", name, err)
		return 1
	}
	defer stopOrSay(name, s.Stop)
	for _, kv := range s.env() {
		if kv.value == "" {
			_ = os.Unsetenv(kv.name)
		} else {
			_ = os.Setenv(kv.name, kv.value)
		}
	}
	started(Servers{Dynamo: d, S3: s})
	return m.Run()
}

// stopOrSay stops a server, reporting a failure to stop.
func stopOrSay(name string, stop func() error) {
	if err := stop(); err != nil {
		fmt.Fprintf(os.Stderr, "%s tests: %v\n", name, err)
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
