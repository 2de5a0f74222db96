package aws

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
)

func TestConfigIsChecked(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{},
		{Bucket: "b", SSE: "rot13"},
		{Bucket: "b", EndpointURL: "127.0.0.1:9000"},
		{Bucket: "b", DynamoDBEndpoint: "ftp://x"},
	} {
		if _, err := Open(context.Background(), cfg); !errors.Is(err, backend.ErrInvalid) {
			t.Errorf("Open(%+v) = %v, want ErrInvalid", cfg, err)
		}
	}
}

func TestLocation(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	want := "s3://" + s.cfg.Bucket + " @ " + servers.S3(t).Endpoint
	if got := s.Location(); got != want {
		t.Errorf("Location() = %q, want %q", got, want)
	}
}

// closedPort returns an address on 127.0.0.1 that refuses connections.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// silentServer accepts connections and never answers.
func silentServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				_ = c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	return l.Addr().String()
}

func TestUnreachableEndpointFailsInBoundedTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		addr string
	}{
		{"refused", closedPort(t)},
		{"silent", silentServer(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := Config{Bucket: "b", EndpointURL: "http://" + tc.addr, PathStyle: true, Timeout: time.Second}
			began := time.Now()
			_, err := Open(context.Background(), cfg)
			took := time.Since(began)
			if !errors.Is(err, backend.ErrUnavailable) {
				t.Fatalf("Open = %v, want ErrUnavailable", err)
			}
			if took > 5*time.Second {
				t.Errorf("Open took %s with a 1s time-out", took)
			}
			if !strings.Contains(err.Error(), tc.addr) {
				t.Errorf("error %q does not name the endpoint", err)
			}
			t.Logf("%s after %s", err, took.Round(time.Millisecond))
		})
	}
	t.Run("dynamodb", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig(t)
		cfg.DynamoDBEndpoint = "http://" + silentServer(t)
		cfg.Timeout = time.Second
		s := openStore(t, cfg)
		began := time.Now()
		_, err := s.ListAccounts(context.Background(), "", backend.PageRequest{})
		if !errors.Is(err, backend.ErrUnavailable) || time.Since(began) > 5*time.Second {
			t.Fatalf("ListAccounts = %v after %s, want ErrUnavailable within the time-out", err, time.Since(began))
		}
	})
}

func TestCallerCancellationIsNotUnavailability(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.ListAccounts(ctx, "", backend.PageRequest{})
	if !errors.Is(err, context.Canceled) || errors.Is(err, backend.ErrUnavailable) {
		t.Fatalf("ListAccounts with a cancelled context = %v", err)
	}
}

func TestMissingBucketIsClear(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.Bucket = "no-such-bucket-here"
	_, err := Open(context.Background(), cfg)
	if !errors.Is(err, backend.ErrUnavailable) || !strings.Contains(err.Error(), `bucket "no-such-bucket-here" does not exist`) {
		t.Fatalf("Open on a missing bucket = %v", err)
	}
}

func TestWrongCredentialsAreClear(t *testing.T) {
	// Not parallel: it changes the environment the credential chain reads.
	cfg := testConfig(t)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret")
	_, err := Open(context.Background(), cfg)
	if !errors.Is(err, backend.ErrUnauthorized) || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("Open with a wrong secret = %v, want ErrUnauthorized naming the credentials", err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "nobody")
	if _, err := Open(context.Background(), cfg); !errors.Is(err, backend.ErrUnauthorized) {
		t.Fatalf("Open with an unknown key = %v, want ErrUnauthorized", err)
	}
}

func TestServerEnforcesConditionalWrites(t *testing.T) {
	// The concurrent-writers test means something only if the server
	// refuses a stale If-Match and a second If-None-Match: *.
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	c := servers.S3(t).Client()
	key := sdkaws.String("cond/key")
	put := func(in *s3.PutObjectInput) error {
		in.Bucket, in.Key, in.Body = &s.cfg.Bucket, key, strings.NewReader("x")
		_, err := c.PutObject(ctx, in)
		return err
	}
	if err := put(&s3.PutObjectInput{IfNoneMatch: sdkaws.String("*")}); err != nil {
		t.Fatal(err)
	}
	if err := put(&s3.PutObjectInput{IfNoneMatch: sdkaws.String("*")}); !lostRace(err) {
		t.Errorf("second If-None-Match: * = %v, want 412", err)
	}
	if err := put(&s3.PutObjectInput{IfMatch: sdkaws.String(`"0123456789abcdef0123456789abcdef"`)}); !lostRace(err) {
		t.Errorf("stale If-Match = %v, want 412", err)
	}
}
