package local_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/local"
)

// withCatalog opens the store's catalog file directly, as another program
// would, and runs fn in a read-write transaction.
func withCatalog(t *testing.T, root string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(root, local.StateDir, local.CatalogFile), 0o644, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// putRawAccount stores an account item as raw bytes, with its index entry.
func putRawAccount(t *testing.T, root, id, typ, data string) {
	t.Helper()
	withCatalog(t, root, func(tx *bolt.Tx) error {
		key := []byte(id + "\x00" + typ)
		if err := tx.Bucket([]byte("accounts")).Put(key, []byte(data)); err != nil {
			return err
		}
		return tx.Bucket([]byte("accounts_gsi1")).Put([]byte(typ+"\x00"+id), key)
	})
}

func rawAccount(t *testing.T, root, id, typ string) map[string]any {
	t.Helper()
	var out map[string]any
	withCatalog(t, root, func(tx *bolt.Tx) error {
		return json.Unmarshal(tx.Bucket([]byte("accounts")).Get([]byte(id+"\x00"+typ)), &out)
	})
	return out
}

func newLocalStore(t *testing.T) (*local.Store, string) {
	t.Helper()
	root := t.TempDir()
	s, err := local.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s, root
}

// Catalog items with times in other ISO 8601 forms, or that cannot be
// read at all, list: the readable ones whole, the others marked.
func TestCatalogItemsListWhateverTheirTimes(t *testing.T) {
	s, root := newLocalStore(t)
	putRawAccount(t, root, "py", "user", `{"account_id":"py","type":"user","name":"Py","created_at":"2024-01-15T10:00:00.123456","updated_at":1705312800}`)
	putRawAccount(t, root, "odd", "user", `{"account_id":"odd","type":"user","name":"Odd","created_at":"soon","metadata_public":[1]}`)
	putRawAccount(t, root, "junk", "user", `not json at all`)
	page, err := s.ListAccounts(t.Context(), "", backend.PageRequest{})
	if err != nil {
		t.Fatalf("ListAccounts: %v", err)
	}
	got := map[string]backend.Account{}
	for _, a := range page.Items {
		got[a.ID] = a
	}
	py := got["py"]
	if !py.CreatedAt.Equal(time.Date(2024, 1, 15, 10, 0, 0, 123456000, time.UTC)) || !py.UpdatedAt.Equal(time.Unix(1705312800, 0)) || len(py.Unreadable) != 0 {
		t.Errorf("py = %+v", py)
	}
	odd := got["odd"]
	if odd.Name != "Odd" || len(odd.Unreadable) != 2 || !backend.Unread(odd.Unreadable, "created_at") || !backend.Unread(odd.Unreadable, "metadata_public") {
		t.Errorf("odd = %+v", odd)
	}
	junk, ok := got["junk"]
	if !ok || junk.Type != backend.AccountUser || len(junk.Unreadable) != 1 || !strings.Contains(junk.Unreadable[0].Reason, "not a JSON object") {
		t.Errorf("junk = %+v (listed %v)", junk, ok)
	}
	if err := s.UpdateAccount(t.Context(), junk); err == nil {
		t.Error("an item unreadable as a whole was rewritten")
	}
}

// A rewrite keeps fields coop does not know, and leaves unread fields as
// they were; what coop writes has every attribute of the schema.
func TestCatalogRewriteKeepsUnknownFields(t *testing.T) {
	s, root := newLocalStore(t)
	putRawAccount(t, root, "NASA_Earth", "bot", `{"account_id":"NASA_Earth","type":"bot","name":"N","created_at":"2024-01-15","updated_at":"later","website":"https://example.org","tags":[1,2]}`)
	a, err := s.FindAccount(t.Context(), "NASA_Earth")
	if err != nil || a.Type != "bot" {
		t.Fatalf("FindAccount = %+v, %v", a, err)
	}
	a.Name = "NASA Earth"
	if err := s.UpdateAccount(t.Context(), a); err != nil {
		t.Fatalf("UpdateAccount: %v", err)
	}
	raw := rawAccount(t, root, "NASA_Earth", "bot")
	if raw["website"] != "https://example.org" || raw["name"] != "NASA Earth" {
		t.Errorf("after update: %v", raw)
	}
	for _, f := range []string{"metadata_public", "metadata_private"} {
		if m, ok := raw[f].(map[string]any); !ok || len(m) != 0 {
			t.Errorf("%s = %#v, want an empty map", f, raw[f])
		}
	}
	if raw["email"] != "" {
		t.Errorf("email = %#v, want an empty string", raw["email"])
	}
	if raw["created_at"] != "2024-01-15T00:00:00Z" {
		t.Errorf("created_at = %#v, want RFC 3339 UTC", raw["created_at"])
	}
}
