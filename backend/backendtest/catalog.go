package backendtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

func (c *suite) catalog(t *testing.T) {
	run(t, "AccountLifecycle", c, testAccountLifecycle)
	run(t, "AccountIDsAreUnique", c, testAccountIDsUnique)
	run(t, "AccountValidation", c, testAccountValidation)
	run(t, "ListAccountsPaged", c, testListAccountsPaged)
	run(t, "FindAccountByEmail", c, testFindAccountByEmail)
	run(t, "RepositoryLifecycle", c, testRepositoryLifecycle)
	run(t, "RepositoryValidation", c, testRepositoryValidation)
	run(t, "ListRepositoriesNewestFirst", c, testListRepositories)
}

func testAccountLifecycle(t *testing.T, s backend.Store) {
	u := uniq(t)
	a := backend.Account{
		ID: id("user", u), Type: backend.AccountUser, Name: "Ada " + u, Email: u + "@example.com",
		MetadataPublic: map[string]any{"bio": "hello", "n": 1.5, "tags": []any{"a", "b"},
			"big": json.Number("12345678901234567890123")},
		MetadataPrivate: map[string]any{"plan": map[string]any{"tier": "free"}},
	}
	must(t, s.CreateAccount(ctx(t), a))

	got, err := s.GetAccount(ctx(t), a.ID, backend.AccountUser)
	must(t, err)
	if got.ID != a.ID || got.Type != a.Type || got.Name != a.Name || got.Email != a.Email {
		t.Errorf("GetAccount = %s, want %s", describe(got), describe(a))
	}
	// Numbers may come back as float64 or json.Number; their digits may not change.
	if !sameJSON(got.MetadataPublic, a.MetadataPublic) || !sameJSON(got.MetadataPrivate, a.MetadataPrivate) {
		t.Errorf("metadata maps did not round-trip: %v %v", got.MetadataPublic, got.MetadataPrivate)
	}
	if got.CreatedAt.IsZero() || got.UpdatedAt.IsZero() {
		t.Errorf("CreatedAt/UpdatedAt not set: %s", describe(got))
	}
	found, err := s.FindAccount(ctx(t), a.ID)
	must(t, err)
	if found.ID != a.ID || found.Type != a.Type {
		t.Errorf("FindAccount = %s", describe(found))
	}

	err = s.CreateAccount(ctx(t), a)
	wantErr(t, "CreateAccount twice", err, backend.ErrExists)
	_, err = s.GetAccount(ctx(t), a.ID, backend.AccountOrganization)
	wantErr(t, "GetAccount with the other type", err, backend.ErrNotFound)
	_, err = s.GetAccount(ctx(t), id("nobody", u), backend.AccountUser)
	wantErr(t, "GetAccount of a missing account", err, backend.ErrNotFound)
	_, err = s.FindAccount(ctx(t), id("nobody", u))
	wantErr(t, "FindAccount of a missing account", err, backend.ErrNotFound)

	time.Sleep(5 * time.Millisecond)
	upd := got
	upd.Name, upd.Email = "Ada L "+u, "new-"+u+"@example.com"
	must(t, s.UpdateAccount(ctx(t), upd))
	got2, err := s.GetAccount(ctx(t), a.ID, backend.AccountUser)
	must(t, err)
	if got2.Name != upd.Name || got2.Email != upd.Email {
		t.Errorf("after UpdateAccount: %s", describe(got2))
	}
	if !got2.CreatedAt.Equal(got.CreatedAt) {
		t.Errorf("UpdateAccount changed CreatedAt: %v -> %v", got.CreatedAt, got2.CreatedAt)
	}
	if !got2.UpdatedAt.After(got.UpdatedAt) {
		t.Errorf("UpdateAccount did not advance UpdatedAt: %v -> %v", got.UpdatedAt, got2.UpdatedAt)
	}
	if f, err := s.FindAccountByEmail(ctx(t), upd.Email); err != nil || f.ID != a.ID {
		t.Errorf("FindAccountByEmail(new email) = %s, %v", describe(f), err)
	}
	_, err = s.FindAccountByEmail(ctx(t), a.Email)
	wantErr(t, "FindAccountByEmail(old email) after the change", err, backend.ErrNotFound)

	err = s.UpdateAccount(ctx(t), backend.Account{ID: id("nobody", u), Type: backend.AccountUser, Name: "x"})
	wantErr(t, "UpdateAccount of a missing account", err, backend.ErrNotFound)
}

// An account id names the account's storage folder, so it is unique
// across types.
func testAccountIDsUnique(t *testing.T, s backend.Store) {
	u := uniq(t)
	must(t, s.CreateAccount(ctx(t), backend.Account{ID: id("both", u), Type: backend.AccountOrganization, Name: "Org"}))
	err := s.CreateAccount(ctx(t), backend.Account{ID: id("both", u), Type: backend.AccountUser, Name: "User"})
	wantErr(t, "CreateAccount with an id taken by another type", err, backend.ErrExists)
	found, err := s.FindAccount(ctx(t), id("both", u))
	must(t, err)
	if found.Type != backend.AccountOrganization {
		t.Errorf("FindAccount type = %q, want organization", found.Type)
	}
}

func testAccountValidation(t *testing.T, s backend.Store) {
	u := uniq(t)
	// Ids coop does not create but other tools do: refused for a new
	// account, and looked up (not found here) when read.
	for _, odd := range []string{"ab", "Upper-" + u, "a--" + u, "-" + u, u + "-", "a_" + u, "v2." + u, strings.Repeat("a", 41)} {
		err := s.CreateAccount(ctx(t), backend.Account{ID: odd, Type: backend.AccountUser, Name: "x"})
		wantErr(t, fmt.Sprintf("CreateAccount(%q)", odd), err, backend.ErrInvalid)
		_, err = s.GetAccount(ctx(t), odd, backend.AccountUser)
		wantErr(t, fmt.Sprintf("GetAccount(%q)", odd), err, backend.ErrNotFound)
		_, err = s.FindAccount(ctx(t), odd)
		wantErr(t, fmt.Sprintf("FindAccount(%q)", odd), err, backend.ErrNotFound)
		_, err = s.ListRepositories(ctx(t), odd, backend.PageRequest{})
		wantErr(t, fmt.Sprintf("ListRepositories(%q)", odd), err, backend.ErrNotFound)
	}
	// Ids that are not one safe path segment: refused everywhere.
	for _, bad := range []string{"", ".", "..", "../" + u, "a/" + u, "a\\" + u, "a\x1b" + u, strings.Repeat("a", backend.MaxIDBytes+1)} {
		err := s.CreateAccount(ctx(t), backend.Account{ID: bad, Type: backend.AccountUser, Name: "x"})
		wantErr(t, fmt.Sprintf("CreateAccount(%q)", bad), err, backend.ErrInvalid)
		_, err = s.GetAccount(ctx(t), bad, backend.AccountUser)
		wantErr(t, fmt.Sprintf("GetAccount(%q)", bad), err, backend.ErrInvalid)
		_, err = s.FindAccount(ctx(t), bad)
		wantErr(t, fmt.Sprintf("FindAccount(%q)", bad), err, backend.ErrInvalid)
		_, err = s.ListRepositories(ctx(t), bad, backend.PageRequest{})
		wantErr(t, fmt.Sprintf("ListRepositories(%q)", bad), err, backend.ErrInvalid)
	}
	err := s.CreateAccount(ctx(t), backend.Account{ID: id("robot", u), Type: "robot", Name: "x"})
	wantErr(t, "CreateAccount with type robot", err, backend.ErrInvalid)
	_, err = s.ListAccounts(ctx(t), "robot", backend.PageRequest{})
	wantErr(t, "ListAccounts(robot)", err, backend.ErrInvalid)
	if _, err := s.FindAccount(ctx(t), id("robot", u)); err == nil {
		t.Error("an account with an invalid type was stored")
	}
}

func testListAccountsPaged(t *testing.T, s backend.Store) {
	u := uniq(t)
	mine := map[string]backend.AccountType{}
	for i := range 12 {
		typ := backend.AccountOrganization
		if i%5 == 0 || i%5 == 3 {
			typ = backend.AccountUser
		}
		a := backend.Account{ID: fmt.Sprintf("ls-%s-%02d", u, i), Type: typ, Name: fmt.Sprint("n", i)}
		mine[a.ID] = typ
	}
	for _, aid := range shuffled(mine) {
		must(t, s.CreateAccount(ctx(t), backend.Account{ID: aid, Type: mine[aid], Name: "n"}))
	}
	for _, tc := range []struct {
		typ   backend.AccountType
		limit int
	}{{backend.AccountOrganization, 3}, {backend.AccountUser, 2}, {"", 4}, {"", 1}, {backend.AccountOrganization, 0}} {
		all := collect(t, tc.limit, func(a backend.Account) string { return string(a.Type) + "/" + a.ID },
			func(req backend.PageRequest) (backend.Page[backend.Account], error) {
				return s.ListAccounts(ctx(t), tc.typ, req)
			})
		var got []string
		for _, a := range all {
			if tc.typ != "" && a.Type != tc.typ {
				t.Errorf("ListAccounts(%q) returned %s of type %q", tc.typ, a.ID, a.Type)
			}
			if _, ok := mine[a.ID]; ok {
				got = append(got, a.ID)
			}
		}
		var want []string
		for aid, typ := range mine {
			if tc.typ == "" || typ == tc.typ {
				want = append(want, aid)
			}
		}
		slices.Sort(want)
		// One type lists by id; all types list organizations first, then
		// users, each by id (the order of DynamoDB's type index).
		order := slices.Clone(got)
		slices.SortStableFunc(order, func(a, b string) int {
			if ta, tb := mine[a], mine[b]; ta != tb {
				if ta == backend.AccountOrganization {
					return -1
				}
				return 1
			}
			return strings.Compare(a, b)
		})
		if !slices.Equal(got, order) {
			t.Errorf("ListAccounts(%q, limit %d) order %v, want %v", tc.typ, tc.limit, got, order)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("ListAccounts(%q, limit %d) listed %v, want %v", tc.typ, tc.limit, got, want)
		}
	}
}

func testFindAccountByEmail(t *testing.T, s backend.Store) {
	u := uniq(t)
	must(t, s.CreateAccount(ctx(t), backend.Account{ID: id("mail", u), Type: backend.AccountOrganization, Name: "M", Email: "team-" + u + "@example.org"}))
	must(t, s.CreateAccount(ctx(t), backend.Account{ID: id("other", u), Type: backend.AccountUser, Name: "O", Email: "other-" + u + "@example.org"}))
	a, err := s.FindAccountByEmail(ctx(t), "team-"+u+"@example.org")
	must(t, err)
	if a.ID != id("mail", u) || a.Type != backend.AccountOrganization {
		t.Errorf("FindAccountByEmail = %s", describe(a))
	}
	_, err = s.FindAccountByEmail(ctx(t), "nobody-"+u+"@example.org")
	wantErr(t, "FindAccountByEmail of an unknown email", err, backend.ErrNotFound)
}

func testRepositoryLifecycle(t *testing.T, s backend.Store) {
	u := uniq(t)
	r := backend.Repository{ID: id("data", u), AccountID: id("owner", u), Title: "Data " + u, Description: "d",
		Visibility: backend.VisibilityPublic, Metadata: map[string]any{"license": "CC-BY-4.0", "stars": 3.0}}
	err := s.CreateRepository(ctx(t), r)
	wantErr(t, "CreateRepository without its account", err, backend.ErrNotFound)
	_, err = s.GetRepository(ctx(t), r.AccountID, r.ID)
	wantErr(t, "GetRepository after a refused create", err, backend.ErrNotFound)

	must(t, s.CreateAccount(ctx(t), backend.Account{ID: r.AccountID, Type: backend.AccountOrganization, Name: "Owner"}))
	must(t, s.CreateRepository(ctx(t), r))
	got, err := s.GetRepository(ctx(t), r.AccountID, r.ID)
	must(t, err)
	if got.ID != r.ID || got.AccountID != r.AccountID || got.Title != r.Title || got.Description != r.Description ||
		got.Visibility != r.Visibility || !sameJSON(got.Metadata, r.Metadata) {
		t.Errorf("GetRepository = %s, want %s", describe(got), describe(r))
	}
	if got.CreatedAt.IsZero() || got.UpdatedAt.IsZero() {
		t.Errorf("CreatedAt/UpdatedAt not set: %s", describe(got))
	}
	if got.Ref() != (backend.RepoRef{AccountID: r.AccountID, RepositoryID: r.ID}) {
		t.Errorf("Ref = %v", got.Ref())
	}
	wantErr(t, "CreateRepository twice", s.CreateRepository(ctx(t), r), backend.ErrExists)
	_, err = s.GetRepository(ctx(t), r.AccountID, id("missing", u))
	wantErr(t, "GetRepository of a missing repository", err, backend.ErrNotFound)

	time.Sleep(5 * time.Millisecond)
	upd := got
	upd.Title, upd.Visibility = "Renamed "+u, backend.VisibilityPrivate
	must(t, s.UpdateRepository(ctx(t), upd))
	got2, err := s.GetRepository(ctx(t), r.AccountID, r.ID)
	must(t, err)
	if got2.Title != upd.Title || got2.Visibility != backend.VisibilityPrivate || !got2.CreatedAt.Equal(got.CreatedAt) {
		t.Errorf("after UpdateRepository: %s", describe(got2))
	}
	if !got2.UpdatedAt.After(got.UpdatedAt) {
		t.Errorf("UpdateRepository did not advance UpdatedAt: %v -> %v", got.UpdatedAt, got2.UpdatedAt)
	}
	page, err := s.ListRepositories(ctx(t), r.AccountID, backend.PageRequest{})
	must(t, err)
	if len(page.Items) != 1 || page.Items[0].Title != upd.Title {
		t.Errorf("ListRepositories after update = %s", describe(page))
	}
	err = s.UpdateRepository(ctx(t), backend.Repository{ID: id("missing", u), AccountID: r.AccountID, Title: "x", Visibility: backend.VisibilityPublic})
	wantErr(t, "UpdateRepository of a missing repository", err, backend.ErrNotFound)
}

func testRepositoryValidation(t *testing.T, s backend.Store) {
	u := uniq(t)
	acct := id("val", u)
	must(t, s.CreateAccount(ctx(t), backend.Account{ID: acct, Type: backend.AccountUser, Name: "V"}))
	// Ids coop does not create but other tools do: refused for a new
	// repository, and looked up (not found here) when read.
	for _, odd := range []string{"x", "Repo-" + u, "r--" + u, "r." + u, "r_" + u} {
		err := s.CreateRepository(ctx(t), backend.Repository{ID: odd, AccountID: acct, Title: "t", Visibility: backend.VisibilityPublic})
		wantErr(t, fmt.Sprintf("CreateRepository(%q)", odd), err, backend.ErrInvalid)
		_, err = s.GetRepository(ctx(t), acct, odd)
		wantErr(t, fmt.Sprintf("GetRepository(%q)", odd), err, backend.ErrNotFound)
		_, err = s.GetRepository(ctx(t), odd, id("repo", u))
		wantErr(t, fmt.Sprintf("GetRepository(account %q)", odd), err, backend.ErrNotFound)
	}
	for _, bad := range []string{"", "..", "../" + u, "r/" + u, "r\x00" + u} {
		err := s.CreateRepository(ctx(t), backend.Repository{ID: bad, AccountID: acct, Title: "t", Visibility: backend.VisibilityPublic})
		wantErr(t, fmt.Sprintf("CreateRepository(%q)", bad), err, backend.ErrInvalid)
		_, err = s.GetRepository(ctx(t), acct, bad)
		wantErr(t, fmt.Sprintf("GetRepository(%q)", bad), err, backend.ErrInvalid)
		_, err = s.GetRepository(ctx(t), bad, id("repo", u))
		wantErr(t, fmt.Sprintf("GetRepository(account %q)", bad), err, backend.ErrInvalid)
	}
	err := s.CreateRepository(ctx(t), backend.Repository{ID: id("vis", u), AccountID: acct, Title: "t", Visibility: "secret"})
	wantErr(t, "CreateRepository with visibility secret", err, backend.ErrInvalid)
}

func testListRepositories(t *testing.T, s backend.Store) {
	u := uniq(t)
	acct, other := id("lr", u), id("lr-other", u)
	for _, a := range []string{acct, other} {
		must(t, s.CreateAccount(ctx(t), backend.Account{ID: a, Type: backend.AccountOrganization, Name: a}))
	}
	created := map[string]time.Time{}
	for i := range 8 {
		created[fmt.Sprintf("r%02d-%s", i, u)] = baseTime.Add(time.Duration(i) * time.Hour)
	}
	for _, rid := range shuffled(created) {
		must(t, s.CreateRepository(ctx(t), backend.Repository{ID: rid, AccountID: acct, Title: rid,
			Visibility: backend.VisibilityPublic, CreatedAt: created[rid]}))
	}
	must(t, s.CreateRepository(ctx(t), backend.Repository{ID: id("elsewhere", u), AccountID: other, Title: "x",
		Visibility: backend.VisibilityPublic, CreatedAt: baseTime.Add(time.Minute)}))
	var want []string
	for i := 7; i >= 0; i-- {
		want = append(want, fmt.Sprintf("r%02d-%s", i, u))
	}
	for _, limit := range []int{3, 1, 8, 0} {
		all := collect(t, limit, func(r backend.Repository) string { return r.ID },
			func(req backend.PageRequest) (backend.Page[backend.Repository], error) {
				return s.ListRepositories(ctx(t), acct, req)
			})
		var got []string
		for _, r := range all {
			got = append(got, r.ID)
			if r.AccountID != acct {
				t.Errorf("ListRepositories(%s) returned %s of %s", acct, r.ID, r.AccountID)
			}
			if !r.CreatedAt.Equal(created[r.ID]) {
				t.Errorf("%s CreatedAt = %v, want %v", r.ID, r.CreatedAt, created[r.ID])
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("ListRepositories(limit %d) = %v, want newest first %v", limit, got, want)
		}
	}
}

// shuffled returns the keys of m in random order, so stores cannot pass
// by keeping insertion order.
func shuffled[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	rand.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	return keys
}

// sameJSON reports whether a and b encode to the same JSON.
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}
