package aws

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/coopterm/coop/backend"
)

// putRaw writes an item as another tool would, bypassing coop's encoding.
func putRaw(t *testing.T, s *Store, table string, item map[string]types.AttributeValue) {
	t.Helper()
	if _, err := s.ddb.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
}

// getRaw reads an item as another tool would.
func getRaw(t *testing.T, s *Store, table string, key map[string]types.AttributeValue) map[string]types.AttributeValue {
	t.Helper()
	out, err := s.ddb.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: ptr(true)})
	if err != nil || len(out.Item) == 0 {
		t.Fatalf("GetItem %v: %v", key, err)
	}
	return out.Item
}

func num(s string) types.AttributeValue { return &types.AttributeValueMemberN{Value: s} }

// Items other tools wrote, with times in every ISO 8601 form and epoch
// numbers, list whole; an item whose time no reader could make sense of is
// listed too, marked with the reason, and never fails the page.
func TestItemsOfOtherWritersList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	table := s.cfg.AccountsTable
	want := map[string]time.Time{
		"py-naive":   time.Date(2024, 1, 15, 10, 0, 0, 123456000, time.UTC),
		"date-only":  time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC),
		"epoch-s":    time.Unix(1705312800, 0).UTC(),
		"epoch-ms-s": time.UnixMilli(1705312800123).UTC(),
		"offset":     time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC),
	}
	created := map[string]types.AttributeValue{
		"py-naive":   str("2024-01-15T10:00:00.123456"),
		"date-only":  str("2024-01-15"),
		"epoch-s":    num("1705312800"),
		"epoch-ms-s": str("1705312800123"),
		"offset":     str("2024-01-15T10:00:00+01:00"),
	}
	for id, v := range created {
		putRaw(t, s, table, map[string]types.AttributeValue{
			"account_id": str(id), "type": str("user"), "name": str(id), "created_at": v, "updated_at": v,
		})
	}
	putRaw(t, s, table, map[string]types.AttributeValue{
		"account_id": str("garbled"), "type": str("user"), "name": str("Garbled"),
		"created_at": str("yesterday"), "updated_at": &types.AttributeValueMemberBOOL{Value: true},
		"metadata_public": str("not a map"),
	})
	page, err := s.ListAccounts(ctx, backend.AccountUser, backend.PageRequest{})
	if err != nil {
		t.Fatalf("ListAccounts failed on items other tools wrote: %v", err)
	}
	seen := map[string]backend.Account{}
	for _, a := range page.Items {
		seen[a.ID] = a
	}
	for id, w := range want {
		a, ok := seen[id]
		switch {
		case !ok:
			t.Errorf("%s not listed", id)
		case !a.CreatedAt.Equal(w) || !a.UpdatedAt.Equal(w) || len(a.Unreadable) != 0:
			t.Errorf("%s: created %v updated %v unreadable %v, want %v", id, a.CreatedAt, a.UpdatedAt, a.Unreadable, w)
		}
	}
	g, ok := seen["garbled"]
	if !ok {
		t.Fatal("an item with unreadable attributes was left out of the listing")
	}
	fields := map[string]bool{}
	for _, e := range g.Unreadable {
		fields[e.Field] = true
	}
	if g.Name != "Garbled" || !fields["created_at"] || !fields["updated_at"] || !fields["metadata_public"] || len(fields) != 3 {
		t.Errorf("garbled = %+v", g)
	}
	if d := backend.DescribeUnread(g.Unreadable); !strings.Contains(d, `"yesterday"`) || !strings.Contains(d, "not a map") {
		t.Errorf("reasons do not say what was wrong: %s", d)
	}
	// Opened by id, it reads the same.
	if f, err := s.FindAccount(ctx, "garbled"); err != nil || len(f.Unreadable) != 3 {
		t.Errorf("FindAccount(garbled) = %+v, %v", f, err)
	}
}

// An update writes what coop knows and keeps the rest: attributes of
// other writers, and attributes it could not read (refusing to write a new
// value over one).
func TestUpdateKeepsWhatCoopDoesNotKnow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	table := s.cfg.AccountsTable
	putRaw(t, s, table, map[string]types.AttributeValue{
		"account_id": str("NASA_Earth"), "type": str("organization"), "name": str("NASA"),
		"created_at": str("2024-01-15T10:00:00.123456"), "updated_at": str("nonsense"),
		"metadata_private": num("7"), "website": str("https://example.org"),
	})
	a, err := s.FindAccount(ctx, "NASA_Earth")
	if err != nil {
		t.Fatal(err)
	}
	a.Name = "NASA Earth"
	if err := s.UpdateAccount(ctx, a); err != nil {
		t.Fatalf("UpdateAccount: %v", err)
	}
	raw := getRaw(t, s, table, accountKey("NASA_Earth", backend.AccountOrganization))
	if v, ok := raw["website"].(*types.AttributeValueMemberS); !ok || v.Value != "https://example.org" {
		t.Errorf("an attribute coop does not know was lost: %v", raw["website"])
	}
	if v, ok := raw["metadata_private"].(*types.AttributeValueMemberN); !ok || v.Value != "7" {
		t.Errorf("an attribute coop could not read was overwritten: %#v", raw["metadata_private"])
	}
	if v, ok := raw["created_at"].(*types.AttributeValueMemberS); !ok || v.Value != "2024-01-15T10:00:00.123456" {
		t.Errorf("created_at rewritten: %#v", raw["created_at"])
	}
	if v, ok := raw["name"].(*types.AttributeValueMemberS); !ok || v.Value != "NASA Earth" {
		t.Errorf("name not updated: %#v", raw["name"])
	}
	a.MetadataPrivate = map[string]any{"members": map[string]any{"ada": "owner"}}
	if err := s.UpdateAccount(ctx, a); err == nil || !strings.Contains(err.Error(), "metadata_private cannot be read") {
		t.Errorf("a new value over an unreadable attribute: %v", err)
	}
}

// What coop writes has every attribute of the schema, empty ones as empty
// values, and times in RFC 3339 UTC.
func TestItemsCoopWritesHaveEverySchemaAttribute(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	created := time.Date(2024, 1, 15, 10, 0, 0, 0, time.FixedZone("x", 3600))
	if err := s.CreateAccount(ctx, backend.Account{ID: "plain", Type: backend.AccountUser, Name: "Plain", CreatedAt: created}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRepository(ctx, backend.Repository{ID: "bare", AccountID: "plain", CreatedAt: created}); err != nil {
		t.Fatal(err)
	}
	acct := getRaw(t, s, s.cfg.AccountsTable, accountKey("plain", backend.AccountUser))
	repo := getRaw(t, s, s.cfg.RepositoriesTable, repoKey("plain", "bare"))
	for name, item := range map[string]map[string]types.AttributeValue{"account": acct, "repository": repo} {
		for attr, v := range item {
			if _, null := v.(*types.AttributeValueMemberNULL); null {
				t.Errorf("%s %s written as NULL", name, attr)
			}
		}
		for _, attr := range []string{"created_at", "updated_at"} {
			v, _ := item[attr].(*types.AttributeValueMemberS)
			if v == nil || !strings.HasSuffix(v.Value, "Z") {
				t.Fatalf("%s %s = %#v, want RFC 3339 UTC", name, attr, item[attr])
			}
			if tm, err := time.Parse(time.RFC3339Nano, v.Value); err != nil || !tm.Equal(created) {
				t.Errorf("%s %s = %q (%v), want %v", name, attr, v.Value, err, created)
			}
		}
	}
	for _, attr := range []string{"metadata_public", "metadata_private"} {
		if m, ok := acct[attr].(*types.AttributeValueMemberM); !ok || len(m.Value) != 0 {
			t.Errorf("account %s = %#v, want an empty map", attr, acct[attr])
		}
	}
	if m, ok := repo["metadata"].(*types.AttributeValueMemberM); !ok || len(m.Value) != 0 {
		t.Errorf("repository metadata = %#v, want an empty map", repo["metadata"])
	}
	if d, ok := repo["description"].(*types.AttributeValueMemberS); !ok || d.Value != "" {
		t.Errorf("repository description = %#v, want an empty string", repo["description"])
	}
	// The one exception: an empty email is GSI2's key, which DynamoDB
	// refuses as an empty string; the attribute is left out.
	if _, ok := acct["email"]; ok {
		t.Errorf("empty email written: %#v", acct["email"])
	}
	_, err := s.ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.cfg.AccountsTable, Item: map[string]types.AttributeValue{
		"account_id": str("x"), "type": str("user"), "email": str(""),
	}})
	if err == nil {
		t.Error("DynamoDB took an empty string as an index key; coop could write empty emails")
	}
}

// An account of a type coop does not create opens by id and keeps its type.
func TestAccountOfUnknownTypeOpensByID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	putRaw(t, s, s.cfg.AccountsTable, map[string]types.AttributeValue{
		"account_id": str("io"), "type": str("bot"), "name": str("Robot"), "created_at": str("2024-01-15"),
	})
	putRaw(t, s, s.cfg.RepositoriesTable, map[string]types.AttributeValue{
		"repository_id": str("v2.0"), "account_id": str("io"), "title": str("Two"), "visibility": str("public"),
		"created_at": str("2024-02-01T00:00:00"),
	})
	a, err := s.FindAccount(ctx, "io")
	if err != nil || a.Type != "bot" || a.Name != "Robot" {
		t.Fatalf("FindAccount(io) = %+v, %v", a, err)
	}
	if g, err := s.GetAccount(ctx, "io", "bot"); err != nil || g.Name != "Robot" {
		t.Errorf("GetAccount(io, bot) = %+v, %v", g, err)
	}
	page, err := s.ListRepositories(ctx, "io", backend.PageRequest{})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != "v2.0" {
		t.Errorf("ListRepositories(io) = %+v, %v", page, err)
	}
	if _, err := s.GetRepository(ctx, "io", "v2.0"); err != nil {
		t.Errorf("GetRepository(io/v2.0): %v", err)
	}
}
