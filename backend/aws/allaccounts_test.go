package aws

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/coopterm/coop/backend"
)

// TestAllAccountsListsEveryType pages through a table holding users,
// organizations and accounts of types other tools use (and an item coop
// cannot read in full): each is listed once, while ListAccounts("")
// lists the two types its index is asked for.
func TestAllAccountsListsEveryType(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	for _, a := range []backend.Account{
		{ID: "alice", Type: backend.AccountUser, Name: "Alice"},
		{ID: "bob", Type: backend.AccountUser, Name: "Bob"},
		{ID: "geo", Type: backend.AccountOrganization, Name: "Geo"},
	} {
		if err := s.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for id, typ := range map[string]string{"io": "bot", "svc": "service", "ci": "bot"} {
		putRaw(t, s, s.cfg.AccountsTable, map[string]types.AttributeValue{"account_id": str(id), "type": str(typ), "name": str(id)})
	}
	putRaw(t, s, s.cfg.AccountsTable, map[string]types.AttributeValue{"account_id": str("odd"), "type": str("bot"), "created_at": str("yesterday")})

	var got []string
	req := backend.PageRequest{Limit: 2}
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatal("the listing does not end")
		}
		page, err := s.AllAccounts(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > 2 {
			t.Errorf("a page of %d items, asked for 2", len(page.Items))
		}
		for _, a := range page.Items {
			got = append(got, a.ID+":"+string(a.Type))
			if a.ID == "odd" && len(a.Unreadable) == 0 {
				t.Errorf("odd listed without its unreadable created_at: %+v", a)
			}
		}
		if page.Next == "" {
			break
		}
		req.Cursor = page.Next
	}
	slices.Sort(got)
	want := []string{"alice:user", "bob:user", "ci:bot", "geo:organization", "io:bot", "odd:bot", "svc:service"}
	if !slices.Equal(got, want) {
		t.Errorf("AllAccounts listed %v, want %v", got, want)
	}
	indexed, err := s.ListAccounts(ctx, "", backend.PageRequest{Limit: 100})
	if err != nil || len(indexed.Items) != 3 {
		t.Errorf("ListAccounts(\"\") = %d accounts, %v; want the 3 users and organizations", len(indexed.Items), err)
	}

	other, err := s.ListAccounts(ctx, "", backend.PageRequest{Limit: 1})
	if err != nil || other.Next == "" {
		t.Fatalf("ListAccounts: %v, next %q", err, other.Next)
	}
	if _, err := s.AllAccounts(ctx, backend.PageRequest{Cursor: other.Next}); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("a cursor of ListAccounts: %v, want ErrInvalid", err)
	}
}
