package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend/transfer"
)

// listen is a TCP endpoint that hands over the connections it accepts.
func listen(t *testing.T) (string, <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 16)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
			conns <- c
		}
	}()
	return "http://" + ln.Addr().String(), conns
}

// accepted waits for n connections and checks that each is closed by the
// client (read gives EOF): none is left open behind a command.
func acceptedAndClosed(t *testing.T, name string, conns <-chan net.Conn, n int) {
	t.Helper()
	for i := range n {
		select {
		case c := <-conns:
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
				t.Errorf("%s connection %d: read %v, want EOF (closed by coop)", name, i+1, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: %d connections dialed, want %d", name, i, n)
		}
	}
}

func awsEnv(s3, ddb string) map[string]string {
	return map[string]string{
		"COOP_BACKEND": "aws", "COOP_BUCKET": "bench", "COOP_PATH_STYLE": "true",
		"COOP_ENDPOINT_URL": s3, "COOP_DYNAMODB_ENDPOINT": ddb,
		"AWS_ACCESS_KEY_ID": "key", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true",
	}
}

// A command's connections are dialed before its command line is parsed:
// a `coop stat` whose line the command tree then refuses (an unknown
// flag after the path) never opens its store, yet the endpoints saw the
// three connections to S3 and the one to DynamoDB stat's first requests
// need — and each is closed by the time the command has returned.
func TestConnectionsDialedBeforeTheCommandLineIsParsed(t *testing.T) {
	s3, s3conns := listen(t)
	ddb, ddbconns := listen(t)
	code, _, errs := runCLIEnv(t, awsEnv(s3, ddb), "stat", "bench/rep/a.csv", "--no-such-flag")
	if code != 2 {
		t.Fatalf("exit %d, want 2 (usage); stderr %q", code, errs)
	}
	acceptedAndClosed(t, "S3", s3conns, 3)
	acceptedAndClosed(t, "DynamoDB", ddbconns, 1)
}

// A download asks three things of S3 at once (the path as a folder and
// as a file, and the metadata's checksums) and one of DynamoDB; should
// the path be one large file, its ranges go on as many connections as
// are in flight at once: that many are dialed ahead.
func TestDownloadDialsItsFirstRequests(t *testing.T) {
	s3, s3conns := listen(t)
	ddb, ddbconns := listen(t)
	code, _, errs := runCLIEnv(t, awsEnv(s3, ddb), "download", "bench/rep/a.csv", t.TempDir(), "--no-such-flag")
	if code != 2 {
		t.Fatalf("exit %d, want 2 (usage); stderr %q", code, errs)
	}
	acceptedAndClosed(t, "S3", s3conns, transfer.RangeConcurrency)
	acceptedAndClosed(t, "DynamoDB", ddbconns, 1)
}

// The early pre-dial reads the store's flags as the command tree does,
// wherever they are on the line, and dials nothing for the local store,
// help, the demo store or a command that dials nothing.
func TestEarlyPreDialReadsTheLine(t *testing.T) {
	s3, s3conns := listen(t)
	ddb, ddbconns := listen(t)
	env := awsEnv("http://127.0.0.1:1", "http://127.0.0.1:1")
	local := map[string]string{}
	for _, c := range []struct {
		env  map[string]string
		args []string
		dial bool
	}{
		{env, []string{"stat", "a/b/c"}, true},
		{env, []string{"ls", "-l", "a/b"}, true},
		{env, []string{"upload", "x.csv", "a/b"}, true},
		{local, []string{"stat", "a/b/c"}, false},
		{local, []string{"--backend", "aws", "--bucket", "b", "stat", "a/b/c"}, true},
		{local, []string{"--backend=aws", "--bucket=b", "ls"}, true},
		{env, []string{"--backend", "local", "stat", "a/b/c"}, false},
		{env, []string{"stat", "--help"}, false},
		{env, []string{"help", "stat"}, false},
		{env, []string{"--demo", "stat", "a/b/c"}, false},
		{env, []string{"repo", "create", "a/bcd"}, false},
		{env, []string{}, false},
	} {
		a := &app{getenv: func(k string) string { return c.env[k] }}
		d := a.preDialEarly(c.args)
		if (d != nil) != c.dial {
			t.Errorf("%v with COOP_BACKEND=%q: pre-dialed %v, want %v", c.args, c.env["COOP_BACKEND"], d != nil, c.dial)
		}
		d.Close()
	}
	// Flags after the command name count, the environment's twins lose.
	a := &app{getenv: func(k string) string { return env[k] }}
	d := a.preDialEarly([]string{"ls", "a/b", "--endpoint-url", s3, "--dynamodb-endpoint=" + ddb})
	if d == nil {
		t.Fatal("ls with its endpoints after the path: nothing pre-dialed")
	}
	d.Close()
	acceptedAndClosed(t, "S3", s3conns, 1)
	acceptedAndClosed(t, "DynamoDB", ddbconns, 1)
}

// The process dials a command's connections before it sets up its signal
// handlers, which waits on another thread (see app.start): when start
// asks for the interruptible context, the endpoints have already been
// reached. Were the handlers set up first, nothing would have been
// dialed yet and the wait below would time out.
func TestConnectionsDialedBeforeTheSignalHandlers(t *testing.T) {
	s3, s3conns := listen(t)
	ddb, ddbconns := listen(t)
	env := awsEnv(s3, ddb)
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] },
		isTerminal: func() bool { return false }}
	var s3seen, ddbseen []net.Conn
	interrupts := func() context.Context {
		s3seen = waitConns(t, "S3", s3conns, 3)
		ddbseen = waitConns(t, "DynamoDB", ddbconns, 1)
		return context.Background()
	}
	if code := a.start([]string{"stat", "bench/rep/a.csv", "--no-such-flag"}, interrupts); code != 2 {
		t.Fatalf("exit %d, want 2 (usage); stderr %q", code, errb.String())
	}
	// And none is left open once the command returned.
	closedByCoop(t, "S3", s3seen)
	closedByCoop(t, "DynamoDB", ddbseen)
}

// waitConns waits for n connections (a test failure after 10 s).
func waitConns(t *testing.T, name string, conns <-chan net.Conn, n int) []net.Conn {
	t.Helper()
	var got []net.Conn
	for len(got) < n {
		select {
		case c := <-conns:
			got = append(got, c)
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: %d connections dialed before the signal handlers were set up, want %d", name, len(got), n)
		}
	}
	return got
}

// closedByCoop checks that each of conns is closed by the client (a read
// gives EOF).
func closedByCoop(t *testing.T, name string, conns []net.Conn) {
	t.Helper()
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
			t.Errorf("%s connection %d: read %v, want EOF (closed by coop)", name, i+1, err)
		}
	}
}
