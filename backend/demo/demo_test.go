package demo_test

import (
	"context"
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/demo"
	"github.com/coopterm/coop/backend/local"
)

func TestPopulateIsCompleteAndIdempotent(t *testing.T) {
	ctx := context.Background()
	store, err := local.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	})
	opts := demo.Options{BigFolderSize: 250}
	if err := demo.Populate(ctx, store, opts); err != nil {
		t.Fatal(err)
	}
	orgs, err := store.ListAccounts(ctx, backend.AccountOrganization, backend.PageRequest{})
	if err != nil || len(orgs.Items) < 1 {
		t.Fatalf("organizations: %v %v", orgs.Items, err)
	}
	all, err := store.ListAccounts(ctx, "", backend.PageRequest{Limit: 100})
	if err != nil || len(all.Items) < 3 {
		t.Fatalf("accounts: %d %v", len(all.Items), err)
	}
	repos, vis := 0, map[backend.Visibility]int{}
	mimes := map[string]bool{}
	for _, a := range all.Items {
		page, err := store.ListRepositories(ctx, a.ID, backend.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Items {
			repos++
			vis[r.Visibility]++
			md, err := backend.LoadMetadata(ctx, store, r.Ref())
			if err != nil {
				t.Fatalf("%s metadata: %v", r.Ref(), err)
			}
			for p, m := range md.Objects {
				if m.Type == backend.TypeFile {
					mimes[m.MimeType] = true
					if m.Checksum == "" || m.ID == "" {
						t.Errorf("%s/%s: entry without checksum or id: %+v", r.Ref(), p, m)
					}
				}
			}
		}
	}
	if repos < 5 || vis[backend.VisibilityPublic] == 0 || vis[backend.VisibilityPrivate] == 0 {
		t.Errorf("repositories: %d, visibilities %v", repos, vis)
	}
	if len(mimes) < 6 {
		t.Errorf("only %d MIME types: %v", len(mimes), mimes)
	}
	big := backend.RepoRef{AccountID: demo.BigOwner, RepositoryID: demo.BigRepo}
	count := 0
	req := backend.PageRequest{}
	for {
		page, err := store.ListObjects(ctx, big, demo.BigFolder, req)
		if err != nil {
			t.Fatal(err)
		}
		count += len(page.Items)
		if page.Next == "" {
			break
		}
		req.Cursor = page.Next
	}
	if count != 250 {
		t.Errorf("big folder lists %d files, want 250", count)
	}
	before, _ := backend.LoadMetadata(ctx, store, big)
	if err := demo.Populate(ctx, store, opts); err != nil {
		t.Fatalf("second populate: %v", err)
	}
	after, _ := backend.LoadMetadata(ctx, store, big)
	if !after.LastUpdated.Equal(before.LastUpdated) || len(after.Objects) != len(before.Objects) {
		t.Errorf("second populate rewrote metadata: %v → %v, %d → %d entries", before.LastUpdated, after.LastUpdated, len(before.Objects), len(after.Objects))
	}
}
