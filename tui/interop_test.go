package tui

import (
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
)

// otherWritersStore holds what the platform's other tools write: an
// account with attributes coop could not read, ids coop does not create,
// an account of a type coop does not know, full metadata maps, a long
// description, and a name with a trailing space.
func otherWritersStore() *testStore {
	s := newTestStore(100)
	mustDo(s.mem.ImportAccount(backend.Account{ID: "garbled", Type: backend.AccountUser, Name: "Garbled",
		Unreadable: []backend.FieldError{{Field: "created_at", Reason: `time "yesterday": not an ISO 8601 date or time`}}}))
	mustDo(s.mem.ImportAccount(backend.Account{ID: "NASA_Earth", Type: backend.AccountOrganization, Name: "NASA Earth",
		Email: "earth@nasa.example", MetadataPublic: map[string]any{"website": "https://earth.example", "tags": []any{"a", "b"}},
		MetadataPrivate: map[string]any{"members": map[string]any{"alice": "write"}}}))
	mustDo(s.mem.ImportAccount(backend.Account{ID: "io", Type: "bot", Name: "Robot"}))
	long := "A long description " + strings.Repeat("of many words ", 30) + "ending here."
	mustDo(s.mem.ImportRepository(backend.Repository{ID: "v2.0", AccountID: "NASA_Earth", Title: "Version two",
		Visibility: backend.VisibilityPublic, Description: long, Metadata: map[string]any{"doi": "10.1234/x"}}))
	mustDo(s.mem.ImportRepository(backend.Repository{ID: "stuff", AccountID: "io", Title: "Stuff", Visibility: backend.VisibilityPublic}))
	mustDo(s.mem.Import(backend.RepoRef{AccountID: "NASA_Earth", RepositoryID: "v2.0"}, "trailing.txt ", []byte("x")))
	return s
}

// The accounts list says which types "All" holds, marks an account coop
// could not read in full, and i shows every attribute and why.
func TestAccountsMarkedAndDetailed(t *testing.T) {
	h := newHarness(t, otherWritersStore(), Options{})
	h.settle()
	h.mustShow("All (orgs + users)", "! Garbled", "NASA Earth")
	h.mustNotShow("Robot") // a type coop does not know: opened by id, not listed
	for h.m.accounts.at(h.m.accounts.nav.cursor).ID != "garbled" {
		h.press("j")
	}
	h.press("i")
	h.mustShow("account garbled", "created_at cannot be read", `"yesterday"`)
	h.press("esc")
	h.mustNotShow("cannot be read")
	for h.m.accounts.at(h.m.accounts.nav.cursor).ID != "NASA_Earth" {
		h.press("k")
	}
	h.press("i")
	h.mustShow("account NASA_Earth", "metadata_public", "website", "https://earth.example", `["a","b"]`,
		"metadata_private", "members", "earth@nasa.example")
	h.press("q") // closes the box, then asks nothing: no transfers
}

// A repository's details show its description in full and its metadata.
func TestRepositoryDetailsShowTheDescriptionInFull(t *testing.T) {
	h := newHarness(t, otherWritersStore(), Options{StartAt: "NASA_Earth"})
	h.settle()
	h.mustShow("Version two")
	h.press("i")
	h.mustShow("repository NASA_Earth/v2.0", "ending here.", "doi", "10.1234/x")
}

// An account of a type coop does not know opens by id and says its type;
// a name with a trailing space is quoted and marked in the tree.
func TestOtherTypesOpenAndOddNamesShow(t *testing.T) {
	h := newHarness(t, otherWritersStore(), Options{StartAt: "io"})
	h.settle()
	h.mustShow("io (bot account)", "Stuff")
	h2 := newHarness(t, otherWritersStore(), Options{StartAt: "NASA_Earth/v2.0"})
	h2.settle()
	h2.mustShow(`! "trailing.txt "`)
}
