// Package migratetest builds a store with everything a migration must
// carry — organizations, members, keys, public and private repositories,
// nested folders, custom metadata and fields coop does not know — and
// takes snapshots of stores to compare after a migration.
package migratetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

// Key is an SSH key the fixture gives an account.
const Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFxCmpJyOFkzGW5aWr0yPdo5bXIZgZHh6b4n3tbnH5bt alice@laptop"

// Objects are the fixture's objects by ACCOUNT/REPO/PATH.
var Objects = map[string]string{
	"alice/field-notes/README.md":                  "# Field notes\n",
	"alice/field-notes/2024/spring/site-a/obs.csv": "site,count\na,3\nb,5\n",
	"alice/field-notes/2024/spring/site-b/obs.csv": "site,count\nc,8\n",
	"alice/field-notes/2024/autumn/summary.json":   `{"total": 16}`,
	"alice/private-drafts/draft.txt":               "not yet\n",
	"geo/maps/tiles/0/0/0.png":                     "\x89PNG fake tile",
	"geo/maps/tiles/1/0/1.png":                     "\x89PNG another tile",
	"geo/maps/index.html":                          "<h1>maps</h1>",
	"geo/maps/data/big.bin":                        strings.Repeat("0123456789abcdef", 1<<14), // 256 KiB
	"bob/empty/.keep":                              "",
}

// HeadFields are the top-level fields of the fixture's metadata files
// other than coop's own, by repository.
var HeadFields = map[backend.RepoRef]map[string]string{
	{AccountID: "alice", RepositoryID: "field-notes"}: {
		"schema":     `{"version":3,"profile":{"name":"field-counts","fields":[{"name":"site","type":"string"},{"name":"count","type":"integer","max":123456789012345678901234567890}]}}`,
		"x_pipeline": `{"run":98765432109876543210,"ok":true,"note":null,"ratio":0.10000000000000000555,"steps":[]}`,
	},
	{AccountID: "geo", RepositoryID: "maps"}: {
		"license": `"CC-BY-4.0"`,
	},
}

// Populate fills s (initialized) with the fixture.
func Populate(t testing.TB, s backend.Store) {
	t.Helper()
	ctx := context.Background()
	items, ok := s.(backend.ItemCatalog)
	if !ok {
		t.Fatalf("%T cannot write catalog items whole", s)
	}
	created := time.Date(2023, 3, 14, 15, 9, 26, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateAccount(ctx, backend.Account{ID: "alice", Type: backend.AccountUser, Name: "Alice", Email: "alice@example.org",
		CreatedAt: created, UpdatedAt: created.Add(time.Hour),
		MetadataPublic:  map[string]any{"bio": "ecologist", "links": []any{"https://example.org"}},
		MetadataPrivate: map[string]any{"ssh_keys": []any{Key}}}))
	must(s.CreateAccount(ctx, backend.Account{ID: "bob", Type: backend.AccountUser, Name: "Bob", CreatedAt: created}))
	must(s.CreateAccount(ctx, backend.Account{ID: "geo", Type: backend.AccountOrganization, Name: "Geo Lab", Email: "lab@example.org",
		CreatedAt: created, MetadataPrivate: map[string]any{"members": map[string]any{"alice": "owner", "bob": "read"}}}))
	// Fields the platform's other writers add, which coop does not know.
	foreign := func(get func() (backend.Item, error), put func(backend.Item) error, extra backend.Item) {
		t.Helper()
		it, err := get()
		must(err)
		maps.Copy(it, extra)
		must(put(it))
	}
	foreign(func() (backend.Item, error) { return items.AccountItem(ctx, "alice", backend.AccountUser) }, func(it backend.Item) error { return items.PutAccountItem(ctx, it) },
		backend.Item{"stripe_customer": "cus_123", "quota": json.Number("12345678901234567890"), "flags": map[string]any{"beta": true, "tier": nil}})
	foreign(func() (backend.Item, error) { return items.AccountItem(ctx, "geo", backend.AccountOrganization) }, func(it backend.Item) error { return items.PutAccountItem(ctx, it) },
		backend.Item{"ror_id": "https://ror.org/0abc"})
	for _, r := range []backend.Repository{
		{ID: "field-notes", AccountID: "alice", Title: "Field notes", Description: "Counts by site", Visibility: backend.VisibilityPublic,
			CreatedAt: created.Add(24 * time.Hour), Metadata: map[string]any{"tags": []any{"ecology"}, "version": json.Number("3")}},
		{ID: "private-drafts", AccountID: "alice", Title: "Drafts", Visibility: backend.VisibilityPrivate, CreatedAt: created.Add(48 * time.Hour)},
		{ID: "maps", AccountID: "geo", Title: "Maps", Visibility: backend.VisibilityPublic, CreatedAt: created.Add(72 * time.Hour)},
		{ID: "empty", AccountID: "bob", Title: "Empty", Visibility: backend.VisibilityPrivate, CreatedAt: created},
	} {
		must(s.CreateRepository(ctx, r))
	}
	foreign(func() (backend.Item, error) { return items.RepositoryItem(ctx, "geo", "maps") }, func(it backend.Item) error { return items.PutRepositoryItem(ctx, it) },
		backend.Item{"doi": "10.5281/zenodo.1", "license": map[string]any{"id": "CC-BY-4.0"}})
	batches := map[backend.RepoRef]*backend.MetadataBatch{}
	for _, k := range slices.Sorted(maps.Keys(Objects)) {
		ref, p := Split(k)
		info, err := s.PutObject(ctx, ref, p, strings.NewReader(Objects[k]), int64(len(Objects[k])))
		must(err)
		if batches[ref] == nil {
			batches[ref] = backend.NewMetadataBatch(created)
		}
		batches[ref].Stored(info)
	}
	for ref, b := range batches {
		if ref.RepositoryID == "empty" {
			continue // a repository with no metadata file
		}
		_, err := s.UpdateMetadata(ctx, ref, b)
		must(err)
	}
	// Top-level fields other tools keep beside the entries: nested
	// objects, numbers no float64 holds, nulls.
	for ref, fields := range HeadFields {
		b := backend.NewMetadataBatch(created)
		for name, v := range fields {
			b.SetHeadField(name, json.RawMessage(v))
		}
		_, err := s.UpdateMetadata(ctx, ref, b)
		must(err)
	}
	// Custom metadata and fields other tools wrote in entries.
	must(s.UpdateObjectMetadata(ctx, backend.RepoRef{AccountID: "alice", RepositoryID: "field-notes"}, "2024/spring/site-a/obs.csv", ptrMeta(t, s, "alice", "field-notes", "2024/spring/site-a/obs.csv", func(m *backend.ObjectMeta) {
		m.Metadata = map[string]any{"instrument": "counter-3", "calibrated": true, "precision": json.Number("0.000000000000000000001")}
		m.Extra = map[string]json.RawMessage{"x_reviewed_by": json.RawMessage(`"carol"`), "x_tags": json.RawMessage(`["a","b"]`)}
	})))
	must(s.UpdateObjectMetadata(ctx, backend.RepoRef{AccountID: "geo", RepositoryID: "maps"}, "tiles", ptrMeta(t, s, "geo", "maps", "tiles", func(m *backend.ObjectMeta) {
		m.Metadata = map[string]any{"zoom_levels": json.Number("2")}
	})))
}

func ptrMeta(t testing.TB, s backend.Store, acct, repo, p string, fn func(*backend.ObjectMeta)) *backend.ObjectMeta {
	t.Helper()
	m, err := s.ReadObjectMetadata(context.Background(), backend.RepoRef{AccountID: acct, RepositoryID: repo}, p)
	if err != nil {
		t.Fatal(err)
	}
	fn(&m)
	return &m
}

// Split splits ACCOUNT/REPO/PATH.
func Split(k string) (backend.RepoRef, string) {
	parts := strings.SplitN(k, "/", 3)
	return backend.RepoRef{AccountID: parts[0], RepositoryID: parts[1]}, parts[2]
}

// Snapshot is what a store holds, in comparable form.
type Snapshot struct {
	Accounts map[string]backend.Item // by ACCOUNT
	Repos    map[string]backend.Item // by ACCOUNT/REPO
	Objects  map[string]string       // SHA-256 by ACCOUNT/REPO/PATH
	// Entries are each metadata entry's encoding by ACCOUNT/REPO/PATH.
	Entries map[string]string
	// Heads are the top-level fields of each metadata file other than
	// coop's own, compacted, by ACCOUNT/REPO/FIELD.
	Heads map[string]string
}

// Take reads everything s holds (accounts listed, repositories of each,
// every object hashed, every metadata entry).
func Take(t testing.TB, s backend.Store) Snapshot {
	t.Helper()
	ctx := context.Background()
	items := s.(backend.ItemCatalog)
	snap := Snapshot{Accounts: map[string]backend.Item{}, Repos: map[string]backend.Item{}, Objects: map[string]string{}, Entries: map[string]string{}, Heads: map[string]string{}}
	page, err := s.ListAccounts(ctx, "", backend.PageRequest{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range page.Items {
		it, err := items.AccountItem(ctx, a.ID, a.Type)
		if err != nil {
			t.Fatal(err)
		}
		snap.Accounts[a.ID] = it
		repos, err := s.ListRepositories(ctx, a.ID, backend.PageRequest{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range repos.Items {
			it, err := items.RepositoryItem(ctx, a.ID, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			snap.Repos[r.Ref().String()] = it
			takeRepo(t, s, r.Ref(), &snap)
		}
	}
	return snap
}

func takeRepo(t testing.TB, s backend.Store, ref backend.RepoRef, snap *Snapshot) {
	t.Helper()
	ctx := context.Background()
	err := backend.Walk(ctx, s, ref, "", func(page []backend.Entry) error {
		for _, e := range page {
			if e.IsDir() {
				continue
			}
			rc, _, err := s.GetObject(ctx, ref, e.Path)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = io.Copy(h, rc)
			rc.Close()
			if err != nil {
				return err
			}
			snap.Objects[ref.String()+"/"+e.Path] = hex.EncodeToString(h.Sum(nil))
		}
		return nil
	})
	if err != nil && !isNotFound(err) {
		t.Fatalf("walk %s: %v", ref, err)
	}
	head, err := s.ReadMetadata(ctx, ref, "", func(page []backend.MetadataEntry) error {
		for _, e := range page {
			b, err := e.Meta.AppendJSON(nil)
			if err != nil {
				return err
			}
			snap.Entries[ref.String()+"/"+e.Path] = string(b)
		}
		return nil
	})
	if err != nil && !isMissing(err) {
		t.Fatalf("read metadata of %s: %v", ref, err)
	}
	for name, v := range head.Extra {
		var c bytes.Buffer
		if err := json.Compact(&c, v); err != nil {
			t.Fatalf("top-level field %s of %s: %v", name, ref, err)
		}
		snap.Heads[ref.String()+"/"+name] = c.String()
	}
}

// Diff lists how b differs from a, one line per difference.
func Diff(a, b Snapshot) []string {
	var out []string
	for _, k := range union(a.Accounts, b.Accounts) {
		if x, y := a.Accounts[k], b.Accounts[k]; x == nil || y == nil || !backend.SameItem(x, y) {
			out = append(out, fmt.Sprintf("account %s: %v != %v (differs in %v)", k, x, y, backend.ItemDiff(x, y)))
		}
	}
	for _, k := range union(a.Repos, b.Repos) {
		if x, y := a.Repos[k], b.Repos[k]; x == nil || y == nil || !backend.SameItem(x, y) {
			out = append(out, fmt.Sprintf("repository %s: %v != %v", k, x, y))
		}
	}
	for _, k := range union(a.Objects, b.Objects) {
		if a.Objects[k] != b.Objects[k] {
			out = append(out, fmt.Sprintf("object %s: %q != %q", k, a.Objects[k], b.Objects[k]))
		}
	}
	for _, k := range union(a.Entries, b.Entries) {
		if a.Entries[k] != b.Entries[k] {
			out = append(out, fmt.Sprintf("entry %s:\n  %s\n  %s", k, a.Entries[k], b.Entries[k]))
		}
	}
	for _, k := range union(a.Heads, b.Heads) {
		x, okx := a.Heads[k]
		y, oky := b.Heads[k]
		if okx != oky || x != y {
			out = append(out, fmt.Sprintf("top-level field %s: %s (%v) != %s (%v)", k, x, okx, y, oky))
		}
	}
	return out
}

func union[V any](a, b map[string]V) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// Equal fails t with each difference between want and got.
func Equal(t testing.TB, want, got Snapshot) {
	t.Helper()
	if len(want.Accounts) == 0 || len(want.Objects) == 0 || len(want.Entries) == 0 || len(want.Heads) == 0 {
		t.Fatalf("the snapshot compared against is empty: %d accounts, %d objects, %d entries, %d top-level fields", len(want.Accounts), len(want.Objects), len(want.Entries), len(want.Heads))
	}
	for _, d := range Diff(want, got) {
		t.Error(d)
	}
}

// Canonical encodes an item with sorted keys, for messages.
func Canonical(it backend.Item) string {
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(it)
	return strings.TrimSpace(buf.String())
}

func isNotFound(err error) bool { return err != nil && errors.Is(err, backend.ErrNotFound) }
func isMissing(err error) bool  { return err != nil && errors.Is(err, backend.ErrMetadataMissing) }
