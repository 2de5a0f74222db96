package testservers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3Server is a versitygw this package started (over a fresh temporary
// folder), or the S3 server named by COOP_TEST_S3_ENDPOINT.
type S3Server struct {
	// Endpoint is the server's base URL; use path-style addressing.
	Endpoint string
	// AccessKey and SecretKey sign requests to it.
	AccessKey string
	SecretKey string
	// Region is the region requests are signed for.
	Region string
	// External is true when the server was reused from the environment
	// and Stop leaves it running.
	External bool

	proc    *process
	dataDir string
}

// LaunchS3 starts versitygw on a free port over a new temporary folder
// and waits until it answers, or returns the server named by
// COOP_TEST_S3_ENDPOINT. The caller stops it with Stop; use it from
// TestMain, and StartS3 from a test.
func LaunchS3() (*S3Server, error) {
	s := &S3Server{
		AccessKey: envOr(EnvS3AccessKey, DefaultAccessKey),
		SecretKey: envOr(EnvS3SecretKey, DefaultSecretKey),
		Region:    Region,
	}
	if ep := os.Getenv(EnvS3Endpoint); ep != "" {
		s.Endpoint, s.External = ep, true
		return s, nil
	}
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	bin, err := versitygwPath(dir)
	if err != nil {
		return nil, err
	}
	data, err := os.MkdirTemp("", "coop-versitygw-*")
	if err != nil {
		return nil, fmt.Errorf("start versitygw: %w", err)
	}
	p, port, err := startOnFreePort(func(port int) (*process, error) {
		return startProcess("versitygw", data, bin,
			"--access", s.AccessKey, "--secret", s.SecretKey, "--region", s.Region, "--quiet",
			"--port", "127.0.0.1:"+strconv.Itoa(port), "posix", data)
	})
	if err != nil {
		_ = os.RemoveAll(data)
		return nil, fmt.Errorf("start versitygw: %w (if it is not installed: %s)", err, installHint)
	}
	s.Endpoint = fmt.Sprintf("http://127.0.0.1:%d", port)
	s.proc, s.dataDir = p, data
	return s, nil
}

// Stop ends a server this package started and removes its data; it
// leaves an external one alone.
func (s *S3Server) Stop() error {
	if s == nil || s.proc == nil {
		return nil
	}
	err := s.proc.stop()
	if rmErr := os.RemoveAll(s.dataDir); rmErr != nil && err == nil {
		err = fmt.Errorf("remove versitygw data: %w", rmErr)
	}
	return err
}

// StartS3 starts versitygw for one test (or reuses COOP_TEST_S3_ENDPOINT)
// and stops it at cleanup. It fails the test, naming the fix, if the
// server cannot be had. Give each test its own bucket (NewBucket).
func StartS3(tb testing.TB) *S3Server {
	tb.Helper()
	s, err := LaunchS3()
	if err != nil {
		tb.Fatalf("testservers: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Errorf("testservers: %v", err)
		}
	})
	return s
}

// Client returns an S3 client for the server: static credentials,
// path-style addressing.
func (s *S3Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:       s.Region,
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	})
}

// CreateBucket creates a bucket; one that already exists and is ours is
// not an error.
func (s *S3Server) CreateBucket(ctx context.Context, name string) error {
	_, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	var owned *types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("create bucket %s at %s: %w", name, s.Endpoint, err)
	}
	return nil
}

// NewBucket creates a bucket with a fresh name for one test and returns
// the name. On an external server the bucket is emptied and removed at
// cleanup; a server this package started is thrown away whole.
func (s *S3Server) NewBucket(tb testing.TB) string {
	tb.Helper()
	name := UniqueName("coop-test")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.CreateBucket(ctx, name); err != nil {
		tb.Fatalf("testservers: %v", err)
	}
	if s.External {
		tb.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			if err := s.RemoveBucket(ctx, name); err != nil {
				tb.Logf("testservers: %v", err)
			}
		})
	}
	return name
}

// RemoveBucket deletes every object of a bucket, then the bucket.
func (s *S3Server) RemoveBucket(ctx context.Context, name string) error {
	c := s.Client()
	pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("empty bucket %s: %w", name, err)
		}
		if len(page.Contents) == 0 {
			continue
		}
		ids := make([]types.ObjectIdentifier, 0, len(page.Contents))
		for _, o := range page.Contents {
			ids = append(ids, types.ObjectIdentifier{Key: o.Key})
		}
		if _, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: aws.String(name), Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		}); err != nil {
			return fmt.Errorf("empty bucket %s: %w", name, err)
		}
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)}); err != nil {
		return fmt.Errorf("delete bucket %s: %w", name, err)
	}
	return nil
}

// Env returns the environment that points the standard AWS credential
// chain at the server, for a child process (such as the coop binary),
// keeping a developer's own AWS configuration (files, profile, session
// token) out of the way.
func (s *S3Server) Env() []string {
	var env []string
	for _, kv := range s.env() {
		env = append(env, kv.name+"="+kv.value)
	}
	return env
}

// SetEnv sets Env in this process's environment for the length of tb,
// for a test that opens a store itself.
func (s *S3Server) SetEnv(tb testing.TB) {
	for _, kv := range s.env() {
		tb.Setenv(kv.name, kv.value)
	}
}

// envVar is one variable of Env; an empty value means unset.
type envVar struct{ name, value string }

// env lists Env's variables.
func (s *S3Server) env() []envVar {
	return []envVar{
		{"AWS_ACCESS_KEY_ID", s.AccessKey},
		{"AWS_SECRET_ACCESS_KEY", s.SecretKey},
		{"AWS_REGION", s.Region},
		{"AWS_EC2_METADATA_DISABLED", "true"},
		{"AWS_CONFIG_FILE", os.DevNull},
		{"AWS_SHARED_CREDENTIALS_FILE", os.DevNull},
		{"AWS_PROFILE", ""},
		{"AWS_DEFAULT_PROFILE", ""},
		{"AWS_SESSION_TOKEN", ""},
	}
}
