package testservers

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestStartDynamoAnswersAndStops(t *testing.T) {
	t.Setenv(EnvDynamoEndpoint, "")
	d, err := LaunchDynamo()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(d.Endpoint + "/")
	if err != nil {
		t.Fatalf("DynamoDB Local does not answer: %v", err)
	}
	resp.Body.Close()
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get(d.Endpoint + "/"); err == nil {
		resp.Body.Close()
		t.Fatal("DynamoDB Local still answers after Stop")
	}
}

func TestStartS3BucketRoundTrip(t *testing.T) {
	t.Setenv(EnvS3Endpoint, "")
	s := StartS3(t)
	bucket := s.NewBucket(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := s.Client()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("a/b.txt"), Body: strings.NewReader("hello"),
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(ctx, bucket); err != nil {
		t.Fatalf("re-create: %v", err)
	}
}

func TestExternalServersAreReused(t *testing.T) {
	t.Setenv(EnvDynamoEndpoint, "http://127.0.0.1:1")
	t.Setenv(EnvS3Endpoint, "http://127.0.0.1:2")
	d, err := LaunchDynamo()
	if err != nil || !d.External || d.Endpoint != "http://127.0.0.1:1" {
		t.Fatalf("LaunchDynamo = %+v, %v", d, err)
	}
	s, err := LaunchS3()
	if err != nil || !s.External || s.Endpoint != "http://127.0.0.1:2" {
		t.Fatalf("LaunchS3 = %+v, %v", s, err)
	}
	if d.Stop() != nil || s.Stop() != nil {
		t.Fatal("stopping an external server must be a no-op")
	}
}

func TestMissingArtifactsNameTheFix(t *testing.T) {
	t.Setenv(EnvDynamoEndpoint, "")
	t.Setenv(EnvS3Endpoint, "")
	t.Setenv(EnvDir, t.TempDir())
	if _, err := LaunchDynamo(); err == nil || !strings.Contains(err.Error(), "scripts/test-servers.sh install") {
		t.Errorf("LaunchDynamo without install: %v", err)
	}
	if _, err := LaunchS3(); err == nil || !strings.Contains(err.Error(), "scripts/test-servers.sh install") {
		t.Errorf("LaunchS3 without install: %v", err)
	}
}

func TestUniqueName(t *testing.T) {
	a, b := UniqueName("Coop"), UniqueName("Coop")
	if a == b || !strings.HasPrefix(a, "coop-") || strings.ToLower(a) != a || len(a) != len("coop-")+12 {
		t.Fatalf("UniqueName gave %q and %q", a, b)
	}
}

// fatalTB records a Fatalf instead of ending the test, to check what a
// test that asks for a missing server is told.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

// A Shared starts a server the first time a test asks for it, once, and
// only that one; a server that cannot be had fails the test that asks,
// naming the fix.
func TestSharedStartsOnFirstUse(t *testing.T) {
	t.Setenv(EnvDynamoEndpoint, "http://127.0.0.1:1")
	t.Setenv(EnvS3Endpoint, "")
	t.Setenv(EnvDir, t.TempDir()) // no versitygw installed there
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_PROFILE"} {
		t.Setenv(v, "developer's own")
	}
	sh := NewShared("test")
	if sh.dynamo != nil || sh.s3 != nil || os.Getenv("AWS_ACCESS_KEY_ID") != "developer's own" {
		t.Fatal("something was started or set before a test asked")
	}
	d := sh.Dynamo(t)
	if d.Endpoint != "http://127.0.0.1:1" || sh.Dynamo(t) != d || sh.s3 != nil {
		t.Fatalf("Dynamo gave %+v, then %+v; s3 %+v", d, sh.Dynamo(t), sh.s3)
	}
	if os.Getenv("AWS_ACCESS_KEY_ID") != DefaultAccessKey || os.Getenv("AWS_PROFILE") != "" {
		t.Fatal("the credential chain does not point at the test servers")
	}
	f := &fatalTB{TB: t}
	sh.S3(f)
	if !strings.Contains(f.msg, "scripts/test-servers.sh install") {
		t.Fatalf("asking for a missing versitygw said %q", f.msg)
	}
}
