package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/aws"
	"github.com/coopterm/coop/backend/content/contenttest"
	"github.com/coopterm/coop/internal/testservers"
	"github.com/coopterm/coop/server"
)

// putContent stores the files the content previews over SSH are tested
// on in alice/pub.
func putContent(t *testing.T, store backend.Store) {
	t.Helper()
	put(t, store, "alice", "pub", "places.parquet", string(contenttest.GeoParquet(300, 100, true)))
	put(t, store, "alice", "pub", "notes.md", "# Notes\n\nred \x1b[31mtext\x1b]0;pwned\x07 here\n")
	for p, b := range contenttest.ZarrV3(true).Under("dem.zarr") {
		put(t, store, "alice", "pub", p, string(b))
	}
}

// checkContentOverSSH opens the browser over SSH at files of alice/pub
// and finds their content sections, which the server read from its store.
func checkContentOverSSH(t *testing.T, f *fixture) {
	t.Helper()
	b := openBrowser(t, f.as(t, "alice"), 140, 40, "alice/pub/places.parquet")
	b.waitOut(t, 20*time.Second, "GeoParquet")
	b.waitOut(t, 10*time.Second, "300 rows")

	b = openBrowser(t, f.as(t, "bob"), 140, 40, "alice/pub/notes.md")
	b.waitOut(t, 20*time.Second, "Markdown")
	b.waitOut(t, 10*time.Second, `\x1b]0;pwned\x07`)
	if out := b.out.String(); strings.Contains(out, "\x1b]0;pwned") || strings.Contains(out, "\x1b[31mtext") {
		t.Errorf("the file's escape sequences reached the client's terminal")
	}
	// o opens a pager only on the user's own machine.
	b.type_(t, "o")
	b.waitOut(t, 10*time.Second, "only on your own machine")

	b = openBrowser(t, f.as(t, "alice"), 140, 40, "alice/pub/dem.zarr")
	b.waitOut(t, 20*time.Second, "Zarr v3 group")
}

func TestContentOverSSH(t *testing.T) {
	store := newLocalStore(t)
	keys := populate(t, store)
	putContent(t, store)
	f := start(t, store, server.Config{})
	f.keys = keys
	checkContentOverSSH(t, f)
}

func TestContentOverSSHOnAWS(t *testing.T) {
	dynamo := testservers.StartDynamo(t)
	s3 := testservers.StartS3(t)
	s3.SetEnv(t)
	store, err := aws.Open(context.Background(), aws.Config{
		Bucket: s3.NewBucket(t), EndpointURL: s3.Endpoint, DynamoDBEndpoint: dynamo, PathStyle: true,
		AccountsTable: testservers.UniqueName("accounts"), RepositoriesTable: testservers.UniqueName("repositories"),
		Timeout: 20 * time.Second,
	})
	must(t, err)
	t.Cleanup(func() { _ = store.Close() })
	must(t, store.Init(t.Context()))
	keys := populate(t, store)
	putContent(t, store)
	f := start(t, store, server.Config{})
	f.keys = keys
	checkContentOverSSH(t, f)
}

// type_ sends keys to the browser.
func (b *browser) type_(t testing.TB, keys string) {
	t.Helper()
	if _, err := b.in.Write([]byte(keys)); err != nil {
		t.Fatal(err)
	}
}
