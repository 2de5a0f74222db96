package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"os"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/aws"
	"github.com/coopterm/coop/internal/testservers"
	"github.com/coopterm/coop/server"
)

// TestServeAWS runs the server on DynamoDB Local and versitygw: identity,
// the browser, and SFTP reads (streamed from S3, read out of order by the
// client) and writes.
func TestServeAWS(t *testing.T) {
	dynamo := testservers.StartDynamo(t)
	s3 := testservers.StartS3(t)
	s3.SetEnv(t)
	store, err := aws.Open(context.Background(), aws.Config{
		Bucket: s3.NewBucket(t), EndpointURL: s3.Endpoint, DynamoDBEndpoint: dynamo, PathStyle: true,
		AccountsTable: testservers.UniqueName("accounts"), RepositoriesTable: testservers.UniqueName("repositories"),
		Timeout: 20 * time.Second, CacheDir: t.TempDir(),
	})
	must(t, err)
	t.Cleanup(func() { _ = store.Close() })
	must(t, store.Init(t.Context()))
	keys := populate(t, store)
	f := start(t, store, server.Config{})
	f.keys = keys

	if got := whoami(t, f.as(t, "alice")); got != "alice" {
		t.Fatalf("alice signs in as %q", got)
	}
	b := openBrowser(t, f.as(t, "alice"), 120, 40, "alice")
	b.waitOut(t, 20*time.Second, "private")

	alice, _ := sftpAs(t, f, "alice")
	bob, _ := sftpAs(t, f, "bob")
	if _, err := bob.Stat("/alice/priv/a.txt"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("bob stats alice's private file: %v", err)
	}
	body := make([]byte, 9<<20+12345)
	_, _ = rand.Read(body)
	w, err := alice.Create("/alice/priv/big.bin")
	must(t, err)
	_, err = w.ReadFrom(bytes.NewReader(body))
	must(t, err)
	must(t, w.Close())
	r, err := alice.Open("/alice/priv/big.bin")
	must(t, err)
	var got bytes.Buffer
	_, err = r.WriteTo(&got) // the client reads with many requests in flight
	must(t, err)
	_ = r.Close()
	if !bytes.Equal(got.Bytes(), body) {
		t.Fatalf("downloaded %d bytes, not the %d uploaded", got.Len(), len(body))
	}
	// A read from the middle, then from the start again.
	r, err = alice.Open("/alice/priv/big.bin")
	must(t, err)
	part := make([]byte, 1000)
	if _, err := r.ReadAt(part, 5<<20); err != nil || !bytes.Equal(part, body[5<<20:5<<20+1000]) {
		t.Errorf("read in the middle: %v", err)
	}
	if _, err := r.ReadAt(part, 10); err != nil || !bytes.Equal(part, body[10:1010]) {
		t.Errorf("read before the window: %v", err)
	}
	_ = r.Close()
	ref := ref("alice", "priv")
	eventually(t, func() error {
		doc, err := backend.LoadMetadata(t.Context(), store, ref)
		if err != nil {
			return err
		}
		if m := doc.Objects["big.bin"]; m.Size != int64(len(body)) {
			return fmt.Errorf("metadata of big.bin: %+v", m)
		}
		return nil
	})
	must(t, alice.Remove("/alice/priv/big.bin"))
	if _, err := store.StatObject(t.Context(), ref, "big.bin"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("big.bin after rm: %v", err)
	}
	if _, err := bob.Create("/alice/pub/x"); !errors.Is(err, os.ErrPermission) {
		t.Errorf("bob writes to alice/pub: %v", err)
	}

}
