package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/local"
)

// putCatalogItems writes catalog items straight into the local store's
// catalog, as another program would: accounts and repositories as raw
// JSON, keyed as the store keys them, with their index entries.
func putCatalogItems(t *testing.T, root string, accounts, repos map[[2]string]string) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(root, local.StateDir, local.CatalogFile), 0o644, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	err = db.Update(func(tx *bolt.Tx) error {
		for k, v := range accounts { // k: id, type
			key := []byte(k[0] + "\x00" + k[1])
			if err := tx.Bucket([]byte("accounts")).Put(key, []byte(v)); err != nil {
				return err
			}
			if err := tx.Bucket([]byte("accounts_gsi1")).Put([]byte(k[1]+"\x00"+k[0]), key); err != nil {
				return err
			}
		}
		for k, v := range repos { // k: account, repository
			key := []byte(k[1] + "\x00" + k[0])
			if err := tx.Bucket([]byte("repositories")).Put(key, []byte(v)); err != nil {
				return err
			}
			idx := []byte(k[0] + "\x00" + "2024-01-15T00:00:00.000000000Z" + "\x00" + k[1])
			if err := tx.Bucket([]byte("repositories_gsi1")).Put(idx, key); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Items with times coop used not to read list whole; one that still
// cannot be read is listed with a mark, its reason in --json, and one
// warning on stderr.
func TestLsListsItemsOtherToolsWrote(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "init")
	putCatalogItems(t, root, map[[2]string]string{
		{"py", "user"}:      `{"account_id":"py","type":"user","name":"Python","created_at":"2024-01-15T10:00:00.123456","updated_at":"2024-01-15"}`,
		{"garbled", "user"}: `{"account_id":"garbled","type":"user","name":"Garbled","created_at":"yesterday"}`,
		{"bad", "user"}:     `{"account_id":"bad","type":"user","name":"Bad","metadata_public":"x"}`,
	}, nil)
	code, out, errs := runCLI(t, root, "ls")
	if code != 0 {
		t.Fatalf("ls: exit %d, %s", code, errs)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		marked := strings.Contains(line, "! unreadable: ")
		switch {
		case strings.HasPrefix(line, "py "):
			if marked {
				t.Errorf("a readable item is marked: %q", line)
			}
		case strings.HasPrefix(line, "garbled "):
			if !marked || !strings.Contains(line, "created_at") {
				t.Errorf("garbled row: %q", line)
			}
		case strings.HasPrefix(line, "bad "):
			if !marked || !strings.Contains(line, "metadata_public") {
				t.Errorf("bad row: %q", line)
			}
		}
	}
	if !strings.Contains(out, "Python") || !strings.Contains(out, "Garbled") {
		t.Errorf("ls:\n%s", out)
	}
	if n := strings.Count(errs, "\n"); n != 1 || !strings.Contains(errs, "warning: 2 items") || !strings.Contains(errs, `"yesterday"`) && !strings.Contains(errs, "metadata_public") {
		t.Errorf("stderr (want one warning line): %q", errs)
	}
	var accounts []backend.Account
	if err := json.Unmarshal([]byte(mustRun(t, root, "ls", "--json")), &accounts); err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		if a.ID == "garbled" && (len(a.Unreadable) != 1 || a.Unreadable[0].Field != "created_at" || !strings.Contains(a.Unreadable[0].Reason, "yesterday")) {
			t.Errorf("--json garbled = %+v", a)
		}
		if a.ID == "py" && (len(a.Unreadable) != 0 || a.CreatedAt.Nanosecond() != 123456000) {
			t.Errorf("--json py = %+v", a)
		}
	}
}

// Ids other tools created are listed, opened, read and deleted from.
func TestIDsOtherToolsCreateOpen(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "init")
	putCatalogItems(t, root, map[[2]string]string{
		{"NASA_Earth", "organization"}: `{"account_id":"NASA_Earth","type":"organization","name":"NASA"}`,
		{"io", "bot"}:                  `{"account_id":"io","type":"bot","name":"Robot"}`,
	}, map[[2]string]string{
		{"NASA_Earth", "v2.0"}:       `{"repository_id":"v2.0","account_id":"NASA_Earth","title":"Two","visibility":"public"}`,
		{"NASA_Earth", "my_dataset"}: `{"repository_id":"my_dataset","account_id":"NASA_Earth","title":"Mine","visibility":"public"}`,
	})
	dir := filepath.Join(root, "NASA_Earth", "v2.0", "sub")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, root, "ls", "NASA_Earth"); !strings.Contains(out, "NASA_Earth/v2.0") || !strings.Contains(out, "NASA_Earth/my_dataset") {
		t.Errorf("ls NASA_Earth:\n%s", out)
	}
	if out := mustRun(t, root, "ls", "NASA_Earth/v2.0/sub"); !strings.Contains(out, "a.txt") {
		t.Errorf("ls NASA_Earth/v2.0/sub:\n%s", out)
	}
	if out := mustRun(t, root, "stat", "NASA_Earth/v2.0/sub/a.txt"); !strings.Contains(out, "6 bytes") {
		t.Errorf("stat:\n%s", out)
	}
	dest := filepath.Join(t.TempDir(), "a.txt")
	mustRun(t, root, "download", "NASA_Earth/v2.0/sub/a.txt", dest)
	if b, err := os.ReadFile(dest); err != nil || string(b) != "hello\n" {
		t.Errorf("download: %q %v", b, err)
	}
	mustRun(t, root, "upload", dest, "NASA_Earth/v2.0/up")
	mustRun(t, root, "rm", "NASA_Earth/v2.0/sub/a.txt")
	if _, err := os.Stat(filepath.Join(dir, "a.txt")); !os.IsNotExist(err) {
		t.Errorf("rm left the file: %v", err)
	}
	// An account of a type coop does not know opens by id, saying its type.
	code, out, errs := runCLI(t, root, "ls", "io")
	if code != 0 || strings.TrimSpace(out) != "" || !strings.Contains(errs, `type "bot"`) {
		t.Errorf("ls io: exit %d, %q, %q", code, out, errs)
	}
	// Creating still takes only coop's own rule.
	if code, _, errs := runCLI(t, root, "repo", "create", "NASA_Earth/New_One"); code != 2 || !strings.Contains(errs, "invalid repository id") {
		t.Errorf("repo create NASA_Earth/New_One: exit %d, %s", code, errs)
	}
	if code, _, errs := runCLI(t, root, "repo", "create", "NASA_Earth/new-one"); code != 0 {
		t.Errorf("repo create in an account other tools created: exit %d, %s", code, errs)
	}
}

// Each error line names its subject once.
func TestErrorsNameTheirSubjectOnce(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "init")
	mustRun(t, root, "account", "create", "alice", "--type", "user")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"ls", "nobody"}, "coop: account nobody: not found\n"},
		{[]string{"ls", "alice/none"}, "coop: repository alice/none: not found\n"},
		{[]string{"account", "keys", "nobody"}, "coop: account nobody: not found\n"},
		{[]string{"repo", "create", "nobody/data"}, "coop: account nobody: not found\n"},
		{[]string{"--as", "nobody", "ls"}, "coop: --as: account nobody: not found\n"},
	} {
		if code, _, errs := runCLI(t, root, tc.args...); code != 1 || errs != tc.want {
			t.Errorf("coop %v: exit %d, stderr %q, want %q", tc.args, code, errs, tc.want)
		}
	}
}

// Names that do not print as they are (a trailing space) are listed,
// quoted and marked, with one warning; they stay readable.
func TestLsMarksOddNames(t *testing.T) {
	root := rmStore(t)
	if err := os.WriteFile(filepath.Join(root, "acme", "data", "trailing.txt "), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, root, "ls", "acme/data")
	if code != 0 || !strings.Contains(out, `"trailing.txt "`) || !strings.Contains(out, "! spaces at the start or end of the name") {
		t.Errorf("ls: exit %d\n%s", code, out)
	}
	if strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "an entry listed has a name coop cannot use as it is") {
		t.Errorf("stderr: %q", errs)
	}
	var entries []backend.Entry
	if err := json.Unmarshal([]byte(mustRun(t, root, "ls", "--json", "acme/data")), &entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if (e.Name == "trailing.txt ") != (e.Odd != "") {
			t.Errorf("--json entry %+v", e)
		}
	}
	if out := mustRun(t, root, "stat", "acme/data/trailing.txt "); !strings.Contains(out, "1 byte") {
		t.Errorf("stat of a name with a trailing space:\n%s", out)
	}
}
