package accesstest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
)

// emails: an address is shown to the account itself, to the owners of its
// organizations and to the machine's owner, and to no one else; nor can
// anyone else learn whose an address is by looking it up.
func emails(t *testing.T, w *world) {
	ctx := t.Context()
	owner := access.New(w.base, access.Owner("test"))
	lab, err := owner.FindAccount(ctx, w.lab)
	must(t, err)
	lab.Email = w.lab + "@example.org"
	must(t, owner.UpdateAccount(ctx, lab))
	as := func(id string) *access.Store { return access.New(w.base, access.AsAccount(id, "192.0.2.9:5000")) }
	for _, tc := range []struct {
		viewer *access.Store
		name   string
		sees   map[string]bool
	}{
		{owner, "the machine's owner", map[string]bool{w.alice: true, w.bob: true, w.carol: true, w.dave: true, w.erin: true, w.lab: true}},
		{as(w.alice), "alice", map[string]bool{w.alice: true}},
		{as(w.bob), "bob (a lab member)", map[string]bool{w.bob: true}},
		{as(w.erin), "erin (lab's owner)", map[string]bool{w.erin: true, w.bob: true, w.carol: true, w.dave: true, w.lab: true}},
		{access.New(w.base, access.Anonymous("192.0.2.9:5000")), "anonymous", map[string]bool{}},
	} {
		for _, id := range []string{w.alice, w.bob, w.carol, w.dave, w.erin, w.lab} {
			a, err := tc.viewer.FindAccount(ctx, id)
			must(t, err)
			if got := a.Email != ""; got != tc.sees[id] {
				t.Errorf("%s sees %s's email: %v, want %v", tc.name, id, got, tc.sees[id])
			}
			found, err := tc.viewer.FindAccountByEmail(ctx, id+"@example.org")
			if tc.sees[id] && (err != nil || found.ID != id) {
				t.Errorf("%s looks up %s's address: %+v, %v", tc.name, id, found, err)
			}
			if !tc.sees[id] && !errors.Is(err, backend.ErrNotFound) {
				t.Errorf("%s learns whose %s@example.org is: %+v, %v", tc.name, id, found, err)
			}
		}
		var listed []backend.Account
		for _, typ := range []backend.AccountType{backend.AccountUser, backend.AccountOrganization} {
			req := backend.PageRequest{Limit: 100}
			for {
				p, err := tc.viewer.ListAccounts(ctx, typ, req)
				must(t, err)
				listed = append(listed, p.Items...)
				if p.Next == "" {
					break
				}
				req.Cursor = p.Next
			}
		}
		mine := map[string]bool{w.alice: true, w.bob: true, w.carol: true, w.dave: true, w.erin: true, w.lab: true}
		for _, a := range listed {
			// The store may hold other subtests' accounts, which are not
			// this world's business.
			if mine[a.ID] && a.Email != "" && !tc.sees[a.ID] {
				t.Errorf("%s lists %s with its email", tc.name, a.ID)
			}
		}
	}
}

// hiddenCostsAsMissing: asking about a private repository one may not see
// costs the same catalog reads as asking about one that does not exist,
// so neither the answer nor its time tells them apart (finding 9: one
// extra read only when the repository existed).
func hiddenCostsAsMissing(t *testing.T, w *world) {
	for _, who := range []access.Principal{access.AsAccount(w.bob, "192.0.2.9:5000"), access.Anonymous("192.0.2.9:5000")} {
		calls := func(ref backend.RepoRef) []string {
			c := &countingCatalog{Store: w.base}
			s := access.New(c, who)
			_, err := s.Level(t.Context(), ref)
			wantErr(t, "Level", err, backend.ErrNotFound)
			return c.calls()
		}
		hidden, missing := calls(w.priv), calls(w.missingRef)
		if !slices.Equal(hidden, missing) {
			t.Errorf("%s: a hidden repository costs %v, a missing one %v", who, hidden, missing)
		}
	}
}

// countingCatalog records the catalog calls made through it.
type countingCatalog struct {
	backend.Store
	mu  sync.Mutex
	log []string
}

func (c *countingCatalog) note(name string) {
	c.mu.Lock()
	c.log = append(c.log, name)
	c.mu.Unlock()
}

func (c *countingCatalog) calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.log)
}

func (c *countingCatalog) GetRepository(ctx context.Context, account, id string) (backend.Repository, error) {
	c.note("GetRepository")
	return c.Store.GetRepository(ctx, account, id)
}

func (c *countingCatalog) FindAccount(ctx context.Context, id string) (backend.Account, error) {
	c.note("FindAccount")
	return c.Store.FindAccount(ctx, id)
}

func (c *countingCatalog) GetAccount(ctx context.Context, id string, typ backend.AccountType) (backend.Account, error) {
	c.note("GetAccount")
	return c.Store.GetAccount(ctx, id, typ)
}

func (c *countingCatalog) ListAccounts(ctx context.Context, typ backend.AccountType, req backend.PageRequest) (backend.Page[backend.Account], error) {
	c.note("ListAccounts")
	return c.Store.ListAccounts(ctx, typ, req)
}
