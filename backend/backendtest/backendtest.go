// Package backendtest is the contract every backend.Store honours, written
// once and run against each implementation:
//
//	func TestContract(t *testing.T) {
//		backendtest.RunStore(t, func(t *testing.T) backend.Store { return newStore(t) },
//			backendtest.Hooks{CorruptMetadata: corrupt})
//	}
//
// Subtests never assume an empty store: every account, repository, email
// and path they use is unique to the subtest, so a backend may share one
// set of tables and one bucket between all of them.
package backendtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

// Hooks are the backend-specific operations some subtests need.
type Hooks struct {
	// WriteRawMetadata replaces the metadata document of repository ref in
	// s by raw, as another tool (or a crashed writer) might leave it. The
	// subtests about such documents fail if it is nil.
	WriteRawMetadata func(t *testing.T, s backend.Store, ref backend.RepoRef, raw []byte)
	// ReadRawMetadata returns the metadata document of ref as stored. The
	// subtests about what a store writes fail if it is nil.
	ReadRawMetadata func(t *testing.T, s backend.Store, ref backend.RepoRef) []byte
	// CorruptMetadata writes CorruptMetadataContent; only needed when
	// WriteRawMetadata is nil.
	CorruptMetadata func(t *testing.T, s backend.Store, ref backend.RepoRef)
}

// CorruptMetadataContent is a document a crashed writer may leave:
// truncated JSON.
const CorruptMetadataContent = `{"repository_id": "x", "objects": {"a.txt": {"id": `

// RunStore runs the whole contract against the stores newStore returns.
// newStore is called once per subtest, with that subtest's t, and may
// return a fresh store or one shared by all subtests; it should register
// any cleanup with t.Cleanup.
func RunStore(t *testing.T, newStore func(t *testing.T) backend.Store, hooks ...Hooks) {
	var h Hooks
	if len(hooks) > 0 {
		h = hooks[0]
	}
	c := &suite{newStore: newStore, hooks: h}
	t.Run("Catalog", c.catalog)
	t.Run("Storage", c.storage)
	t.Run("Metadata", c.metadata)
}

type suite struct {
	newStore func(t *testing.T) backend.Store
	hooks    Hooks
}

// run runs one subtest with its own store.
func run(t *testing.T, name string, c *suite, fn func(t *testing.T, s backend.Store)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		s := c.newStore(t)
		if s == nil {
			t.Fatal("newStore returned nil")
		}
		fn(t, s)
	})
}

// uniq returns a short random token that makes ids unique to one test.
func uniq(t *testing.T) string {
	t.Helper()
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// id builds a valid id from a short stem and a token from uniq.
func id(stem, token string) string { return stem + "-" + token }

// ctx is a context for one call, ended with the test.
func ctx(t *testing.T) context.Context { return t.Context() }

// baseTime is a fixed, exactly representable time tests count from.
var baseTime = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// newRepo creates a fresh account and repository and returns its ref.
func newRepo(t *testing.T, s backend.Store) backend.RepoRef {
	t.Helper()
	u := uniq(t)
	ref := backend.RepoRef{AccountID: id("acct", u), RepositoryID: id("repo", u)}
	must(t, s.CreateAccount(ctx(t), backend.Account{ID: ref.AccountID, Type: backend.AccountUser, Name: "Test " + u}))
	must(t, s.CreateRepository(ctx(t), backend.Repository{ID: ref.RepositoryID, AccountID: ref.AccountID,
		Title: "Test " + u, Visibility: backend.VisibilityPrivate}))
	return ref
}

// must fails the test on an error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr checks that err wraps target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want one wrapping %q", what, err, target)
	}
}

// collect pages through a listing and checks the paging invariants: no
// page longer than limit, no repeated key, and an end within maxPages.
func collect[T any](t *testing.T, limit int, key func(T) string, list func(backend.PageRequest) (backend.Page[T], error)) []T {
	t.Helper()
	const maxPages = 10000
	var all []T
	seen := map[string]bool{}
	req := backend.PageRequest{Limit: limit}
	for range maxPages {
		page, err := list(req)
		if err != nil {
			t.Fatalf("list page (cursor %q): %v", req.Cursor, err)
		}
		if limit > 0 && len(page.Items) > limit {
			t.Fatalf("page of %d items, limit %d", len(page.Items), limit)
		}
		for _, it := range page.Items {
			k := key(it)
			if seen[k] {
				t.Fatalf("%s listed twice", k)
			}
			seen[k] = true
			all = append(all, it)
		}
		if page.Next == "" {
			return all
		}
		if page.Next == req.Cursor {
			t.Fatalf("cursor %q did not advance", page.Next)
		}
		req.Cursor = page.Next
	}
	t.Fatalf("listing did not end within %d pages", maxPages)
	return nil
}

// describe renders a value for failure messages.
func describe(v any) string { return fmt.Sprintf("%+v", v) }
