package access_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
	"github.com/coopterm/coop/backend/access/accesstest"
	"github.com/coopterm/coop/backend/aws"
	"github.com/coopterm/coop/backend/backendtest"
	"github.com/coopterm/coop/internal/testservers"
)

// TestAccessAWS runs the access contract on DynamoDB Local and versitygw,
// all subtests sharing one set of tables and one bucket.
func TestAccessAWS(t *testing.T) {
	dynamo := testservers.StartDynamo(t)
	s3 := testservers.StartS3(t)
	s3.SetEnv(t)
	store, err := aws.Open(context.Background(), aws.Config{
		Bucket:            s3.NewBucket(t),
		EndpointURL:       s3.Endpoint,
		DynamoDBEndpoint:  dynamo,
		PathStyle:         true,
		AccountsTable:     testservers.UniqueName("accounts"),
		RepositoriesTable: testservers.UniqueName("repositories"),
		Timeout:           20 * time.Second,
		CacheDir:          t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if err := store.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	accesstest.Run(t, func(*testing.T) backend.Store { return store })
	// The access layer offers the six optional capabilities of the S3
	// store, each behind the caller's permissions.
	if got := backendtest.Offered(access.New(store, access.Owner("test"))); !slices.Equal(got, backendtest.AllCapabilities()) {
		t.Errorf("through the access layer the S3 store offers %v", got)
	}
	presignNeedsRead(t, store)
}

// presignNeedsRead checks that a link, which reads with the store's
// credentials, is made only for a caller who may read the repository.
func presignNeedsRead(t *testing.T, store backend.Store) {
	ctx := t.Context()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	owner := testservers.UniqueName("linker")
	must(store.CreateAccount(ctx, backend.Account{ID: owner, Type: backend.AccountUser, Name: "Linker"}))
	ref := backend.RepoRef{AccountID: owner, RepositoryID: "private"}
	must(store.CreateRepository(ctx, backend.Repository{ID: ref.RepositoryID, AccountID: owner, Title: "t", Visibility: backend.VisibilityPrivate}))
	_, err := store.PutObject(ctx, ref, "secret.txt", strings.NewReader("secret"), 6)
	must(err)
	if _, err := backend.PresignGetObject(ctx, access.New(store, access.AsAccount(owner, "test")), ref, "secret.txt", time.Minute); err != nil {
		t.Errorf("the owner gets no link: %v", err)
	}
	for _, who := range []access.Principal{access.Anonymous("test"), access.AsAccount("someone-else", "test")} {
		u, err := backend.PresignGetObject(ctx, access.New(store, who), ref, "secret.txt", time.Minute)
		if err == nil || u != "" {
			t.Errorf("%s got a link to a private repository: %q", who, u)
		}
	}
}
