package aws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/coopterm/coop/backend"
)

func TestInitCreatesTablesOnceAndLeavesThemAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	if err := s.CreateAccount(ctx, backend.Account{ID: "keep", Type: backend.AccountUser}); err != nil {
		t.Fatal(err)
	}
	if err := s.Init(ctx); err != nil {
		t.Fatalf("second Init: %v", err)
	}
	if _, err := s.GetAccount(ctx, "keep", backend.AccountUser); err != nil {
		t.Fatalf("second Init lost data: %v", err)
	}
	for _, table := range []string{s.cfg.AccountsTable, s.cfg.RepositoriesTable} {
		out, err := s.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
		if err != nil {
			t.Fatal(err)
		}
		d := out.Table
		if d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
			t.Errorf("%s: billing mode %+v, want on-demand", table, d.BillingModeSummary)
		}
		for _, g := range d.GlobalSecondaryIndexes {
			if g.Projection == nil || g.Projection.ProjectionType != types.ProjectionTypeAll {
				t.Errorf("%s: index %s does not project ALL", table, *g.IndexName)
			}
		}
	}
}

func TestInitRefusesATableOfAnotherLayout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := testConfig(t)
	s := openStore(t, cfg)
	spec := s.tableSpecs()[0]
	spec.indexes = spec.indexes[:1] // no GSI2
	if _, err := s.ddb.CreateTable(ctx, createInput(spec)); err != nil {
		t.Fatal(err)
	}
	err := s.Init(ctx)
	if err == nil || !strings.Contains(err.Error(), "GSI2") {
		t.Fatalf("Init over a table without GSI2 = %v, want an error naming GSI2", err)
	}
}

func TestMissingTablesSayRunCoopInit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t, testConfig(t)) // no Init
	_, err := s.ListAccounts(ctx, "", backend.PageRequest{})
	if !errors.Is(err, backend.ErrNotInitialized) {
		t.Fatalf("ListAccounts on missing tables = %v, want ErrNotInitialized", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "coop init") || !strings.Contains(msg, s.cfg.AccountsTable) {
		t.Errorf("message %q should name the table and `coop init`", msg)
	}
	_, err = s.GetRepository(ctx, "acme", "data")
	if !errors.Is(err, backend.ErrNotInitialized) {
		t.Fatalf("GetRepository on missing tables = %v, want ErrNotInitialized", err)
	}
}

func TestAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	created := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	a := backend.Account{
		ID: "ada", Type: backend.AccountUser, Name: "Ada", Email: "ada@example.org", CreatedAt: created,
		MetadataPublic: map[string]any{"bio": "maths", "n": 3.0}, MetadataPrivate: map[string]any{"k": "v"},
	}
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	for _, dup := range []backend.Account{a, {ID: "ada", Type: backend.AccountOrganization}} {
		if err := s.CreateAccount(ctx, dup); !errors.Is(err, backend.ErrExists) {
			t.Errorf("CreateAccount(%s, %s) again = %v, want ErrExists", dup.ID, dup.Type, err)
		}
	}
	got, err := s.GetAccount(ctx, "ada", backend.AccountUser)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Ada" || got.Email != a.Email || !got.CreatedAt.Equal(created) || got.MetadataPublic["bio"] != "maths" || got.MetadataPrivate["k"] != "v" {
		t.Errorf("GetAccount = %+v", got)
	}
	if _, err := s.GetAccount(ctx, "ada", backend.AccountOrganization); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("GetAccount(wrong type) = %v, want ErrNotFound", err)
	}
	if f, err := s.FindAccount(ctx, "ada"); err != nil || f.Type != backend.AccountUser {
		t.Errorf("FindAccount = %+v, %v", f, err)
	}
	if _, err := s.FindAccount(ctx, "nobody"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("FindAccount(nobody) = %v, want ErrNotFound", err)
	}
	if f, err := s.FindAccountByEmail(ctx, "ada@example.org"); err != nil || f.ID != "ada" {
		t.Errorf("FindAccountByEmail = %+v, %v", f, err)
	}
	if _, err := s.FindAccountByEmail(ctx, "x@example.org"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("FindAccountByEmail(unknown) = %v, want ErrNotFound", err)
	}

	a.Name, a.Email, a.MetadataPrivate, a.CreatedAt = "Ada L.", "", nil, time.Time{}
	if err := s.UpdateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetAccount(ctx, "ada", backend.AccountUser)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Ada L." || got.Email != "" || len(got.MetadataPrivate) != 0 || !got.CreatedAt.Equal(created) || !got.UpdatedAt.After(created) {
		t.Errorf("after UpdateAccount: %+v", got)
	}
	if _, err := s.FindAccountByEmail(ctx, "ada@example.org"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("removed email still found: %v", err)
	}
	if err := s.UpdateAccount(ctx, backend.Account{ID: "ghost", Type: backend.AccountUser}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("UpdateAccount(ghost) = %v, want ErrNotFound", err)
	}
	for _, bad := range []backend.Account{{ID: "A!", Type: backend.AccountUser}, {ID: "okid", Type: "robot"}} {
		if err := s.CreateAccount(ctx, bad); !errors.Is(err, backend.ErrInvalid) {
			t.Errorf("CreateAccount(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}

// listAll pages through ListAccounts and counts the pages.
func listAll(t *testing.T, s *Store, typ backend.AccountType, limit int) (ids []string, pages int) {
	t.Helper()
	req := backend.PageRequest{Limit: limit}
	for {
		p, err := s.ListAccounts(context.Background(), typ, req)
		if err != nil {
			t.Fatalf("ListAccounts(%q, %+v): %v", typ, req, err)
		}
		pages++
		for _, a := range p.Items {
			ids = append(ids, string(a.Type[0])+":"+a.ID)
		}
		if p.Next == "" {
			return ids, pages
		}
		if pages > 100 {
			t.Fatal("ListAccounts does not end")
		}
		req.Cursor = p.Next
	}
}

func TestListAccountsPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	var want []string
	for i := range 7 {
		id := fmt.Sprintf("org-%02d", i)
		want = append(want, "o:"+id)
		if err := s.CreateAccount(ctx, backend.Account{ID: id, Type: backend.AccountOrganization}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		id := fmt.Sprintf("user-%02d", i)
		want = append(want, "u:"+id)
		if err := s.CreateAccount(ctx, backend.Account{ID: id, Type: backend.AccountUser}); err != nil {
			t.Fatal(err)
		}
	}
	for _, limit := range []int{1, 3, 5, 7, 12, 100} {
		got, pages := listAll(t, s, "", limit)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("limit %d: %v, want %v", limit, got, want)
		}
		if wantPages := (12 + limit - 1) / limit; pages != wantPages {
			t.Errorf("limit %d: %d pages, want %d (no empty last page)", limit, pages, wantPages)
		}
	}
	if got, pages := listAll(t, s, backend.AccountUser, 5); len(got) != 5 || pages != 1 {
		t.Errorf("users, limit 5: %v in %d pages, want 5 in 1", got, pages)
	}
	if got, _ := listAll(t, s, backend.AccountOrganization, 2); len(got) != 7 {
		t.Errorf("organizations: %v", got)
	}
	p, err := s.ListAccounts(ctx, backend.AccountUser, backend.PageRequest{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListAccounts(ctx, backend.AccountOrganization, backend.PageRequest{Cursor: p.Next}); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("a users cursor on organizations = %v, want ErrInvalid", err)
	}
	if _, err := s.ListAccounts(ctx, "", backend.PageRequest{Cursor: "%%%"}); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("garbage cursor = %v, want ErrInvalid", err)
	}
}

func TestRepositories(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	if err := s.CreateRepository(ctx, backend.Repository{ID: "data", AccountID: "ghost"}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("CreateRepository without account = %v, want ErrNotFound", err)
	}
	if err := s.CreateAccount(ctx, backend.Account{ID: "acme", Type: backend.AccountOrganization}); err != nil {
		t.Fatal(err)
	}
	if p, err := s.ListRepositories(ctx, "acme", backend.PageRequest{}); err != nil || len(p.Items) != 0 || p.Next != "" {
		t.Errorf("ListRepositories of an account without any = %+v, %v", p, err)
	}
	if _, err := s.ListRepositories(ctx, "ghost", backend.PageRequest{}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("ListRepositories(ghost) = %v, want ErrNotFound", err)
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var want []string
	for i := range 9 {
		id := fmt.Sprintf("repo-%d", i)
		// Creation times whose plain RFC 3339 strings would sort wrongly.
		created := base.Add(time.Duration(i) * 1500 * time.Millisecond)
		r := backend.Repository{ID: id, AccountID: "acme", Title: "R" + id, CreatedAt: created, Metadata: map[string]any{"i": float64(i)}}
		if err := s.CreateRepository(ctx, r); err != nil {
			t.Fatal(err)
		}
		want = append([]string{id}, want...)
	}
	if err := s.CreateRepository(ctx, backend.Repository{ID: "repo-1", AccountID: "acme"}); !errors.Is(err, backend.ErrExists) {
		t.Errorf("CreateRepository again = %v, want ErrExists", err)
	}
	for _, limit := range []int{1, 2, 4, 9, 50} {
		var got []string
		req := backend.PageRequest{Limit: limit}
		pages := 0
		for {
			p, err := s.ListRepositories(ctx, "acme", req)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, r := range p.Items {
				got = append(got, r.ID)
			}
			if p.Next == "" {
				break
			}
			req.Cursor = p.Next
		}
		if strings.Join(got, ",") != strings.Join(want, ",") || pages != (9+limit-1)/limit {
			t.Errorf("limit %d: %v in %d pages, want %v newest first", limit, got, pages, want)
		}
	}
	r, err := s.GetRepository(ctx, "acme", "repo-3")
	if err != nil || r.Visibility != backend.VisibilityPrivate || r.Metadata["i"] != json.Number("3") {
		t.Fatalf("GetRepository = %+v, %v", r, err)
	}
	r.Title, r.Visibility, r.Description = "Three", backend.VisibilityPublic, "third"
	if err := s.UpdateRepository(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRepository(ctx, "acme", "repo-3")
	if err != nil || got.Title != "Three" || got.Visibility != backend.VisibilityPublic || got.Description != "third" ||
		!got.CreatedAt.Equal(r.CreatedAt) || !got.UpdatedAt.After(r.UpdatedAt) {
		t.Errorf("after UpdateRepository: %+v, %v", got, err)
	}
	if err := s.UpdateRepository(ctx, backend.Repository{ID: "nope", AccountID: "acme"}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("UpdateRepository(nope) = %v, want ErrNotFound", err)
	}
	if _, err := s.ListRepositories(ctx, "other", backend.PageRequest{Cursor: cursor{Key: map[string]string{"account_id": "acme", "created_at": "x", "repository_id": "y"}}.encode()}); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("another account's cursor = %v, want ErrInvalid", err)
	}
}

func TestCreateRepositoryRaceHasOneWinner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	if err := s.CreateAccount(ctx, backend.Account{ID: "acme", Type: backend.AccountOrganization}); err != nil {
		t.Fatal(err)
	}
	var wins, exists atomic.Int32
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			err := s.CreateRepository(ctx, backend.Repository{ID: "contested", AccountID: "acme", Title: fmt.Sprint(i)})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, backend.ErrExists):
				exists.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 || exists.Load() != 15 {
		t.Fatalf("%d creators won and %d got ErrExists, want 1 and 15", wins.Load(), exists.Load())
	}
	// The same race on accounts, across both types.
	wins.Store(0)
	for i := range 16 {
		typ := backend.AccountUser
		if i%2 == 1 {
			typ = backend.AccountOrganization
		}
		wg.Go(func() {
			if err := s.CreateAccount(ctx, backend.Account{ID: "same-id", Type: typ}); err == nil {
				wins.Add(1)
			} else if !errors.Is(err, backend.ErrExists) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d account creators won, want 1", wins.Load())
	}
}

// countQueries makes s count the DynamoDB Query calls it sends.
func countQueries(s *Store) *atomic.Int32 {
	var n atomic.Int32
	opts := s.ddb.Options()
	opts.APIOptions = append(opts.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("countQueries",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if middleware.GetOperationName(ctx) == "Query" {
					n.Add(1)
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
	s.ddb = dynamodb.New(opts)
	return &n
}

func TestFirstScreenCostsOneQuery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	for i := range 60 {
		typ := backend.AccountUser
		if i < 40 {
			typ = backend.AccountOrganization
		}
		if err := s.CreateAccount(ctx, backend.Account{ID: fmt.Sprintf("acct-%02d", i), Type: typ}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 30 {
		if err := s.CreateRepository(ctx, backend.Repository{ID: fmt.Sprintf("repo-%02d", i), AccountID: "acct-00"}); err != nil {
			t.Fatal(err)
		}
	}
	n := countQueries(s)
	screen := backend.PageRequest{Limit: 25}
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"accounts of all types", func() error { _, err := s.ListAccounts(ctx, "", screen); return err }},
		{"users", func() error { _, err := s.ListAccounts(ctx, backend.AccountUser, screen); return err }},
		{"repositories", func() error { _, err := s.ListRepositories(ctx, "acct-00", screen); return err }},
	} {
		n.Store(0)
		if err := tc.call(); err != nil {
			t.Fatal(err)
		}
		if got := n.Load(); got != 1 {
			t.Errorf("first screen of %s cost %d Queries, want 1", tc.name, got)
		}
	}
	// A page that runs past the last organization is filled with users:
	// the only case that costs a second Query.
	n.Store(0)
	p, err := s.ListAccounts(ctx, "", backend.PageRequest{Limit: 50})
	if err != nil || len(p.Items) != 50 || n.Load() != 2 {
		t.Errorf("50 of 40 organizations + 20 users: %d items, %d Queries, %v; want 50 in 2", len(p.Items), n.Load(), err)
	}
}
