package e2e

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// putAccountItem writes an account item into a local store's catalog as
// another program would: raw JSON, with its index entry.
func putAccountItem(t *testing.T, root, id, typ, item string) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(root, ".coop", "catalog.db"), 0o644, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	err = db.Update(func(tx *bolt.Tx) error {
		key := []byte(id + "\x00" + typ)
		if err := tx.Bucket([]byte("accounts")).Put(key, []byte(item)); err != nil {
			return err
		}
		return tx.Bucket([]byte("accounts_gsi1")).Put([]byte(typ+"\x00"+id), key)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// In the browser, an account coop cannot read in full is marked, and i
// shows every attribute of an account, and what could not be read.
func TestBrowserMarksAndDetails(t *testing.T) {
	root := t.TempDir()
	env := []string{"COOP_STORAGE=" + root, "XDG_CONFIG_HOME=" + t.TempDir(), "COOP_THEME=dark"}
	coop(t, env, "init")
	putAccountItem(t, root, "NASA_Earth", "organization",
		`{"account_id":"NASA_Earth","type":"organization","name":"NASA Earth","created_at":"2024-01-15T10:00:00.123456",`+
			`"metadata_public":{"website":"https://earth.example","big":12345678901234567890123}}`)
	putAccountItem(t, root, "garbled", "user", `{"account_id":"garbled","type":"user","name":"Garbled","created_at":"yesterday"}`)

	tm := startTerm(t, env, bin, "--storage", root)
	tm.waitFor(10*time.Second, "All (orgs + users)", "NASA Earth", "! Garbled")
	tm.send("i") // NASA_Earth, the first row: organizations come first
	tm.waitFor(5*time.Second, "account NASA_Earth", "metadata_public", "https://earth.example", "12345678901234567890123", "2024-01-15 10:00:00")
	tm.send("Escape")
	tm.waitGone(5*time.Second, "metadata_public")
	tm.send("j", "i")
	tm.waitFor(5*time.Second, "account garbled", "created_at cannot be read", "yesterday")
	tm.send("Escape")
	tm.waitGone(5*time.Second, "created_at cannot be read") // not read with q as alt+q
	tm.send("q")
	tm.waitExit(t, 5*time.Second)
}
