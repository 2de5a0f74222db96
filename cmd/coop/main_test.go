package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
	"golang.org/x/crypto/ssh"
)

// runCLI runs one command line in-process against a storage root and
// returns its exit code, stdout and stderr.
func runCLI(t *testing.T, root string, args ...string) (int, string, string) {
	t.Helper()
	return runCLIEnv(t, map[string]string{"COOP_STORAGE": root, "HOME": t.TempDir()}, args...)
}

// runCLIEnv is runCLI with the whole environment given.
func runCLIEnv(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := run(context.Background(), args, &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: getenv,
		isTerminal: func() bool { return false }})
	return code, out.String(), errb.String()
}

func mustRun(t *testing.T, root string, args ...string) string {
	t.Helper()
	code, out, errs := runCLI(t, root, args...)
	if code != 0 {
		t.Fatalf("coop %v: exit %d, stderr %q", args, code, errs)
	}
	return out
}

func TestCommandsEndToEnd(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "init")
	mustRun(t, root, "account", "create", "earth-lab", "--type", "organization", "--name", "Earth Lab", "--email", "d@e.org")
	mustRun(t, root, "account", "create", "alice", "--type", "user")
	mustRun(t, root, "repo", "create", "earth-lab/scenes", "--title", "Scenes", "--visibility", "public")
	// Files written straight into the storage tree are listed as they are.
	dir := filepath.Join(root, "earth-lab", "scenes", "2024")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.csv"), []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "earth-lab", "scenes", "evil\x1b[2Jname.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}

	out := mustRun(t, root, "ls")
	if !strings.Contains(out, "earth-lab") || !strings.Contains(out, "alice") {
		t.Errorf("ls accounts:\n%s", out)
	}
	out = mustRun(t, root, "ls", "earth-lab")
	if !strings.Contains(out, "earth-lab/scenes") || !strings.Contains(out, "public") {
		t.Errorf("ls repos:\n%s", out)
	}
	out = mustRun(t, root, "ls", "earth-lab/scenes")
	if !strings.Contains(out, "2024/") || strings.Contains(out, "\x1b") || !strings.Contains(out, `evil\x1b[2Jname.txt`) {
		t.Errorf("ls folder (names must be sanitized):\n%q", out)
	}
	var entries []backend.Entry
	if err := json.Unmarshal([]byte(mustRun(t, root, "ls", "earth-lab/scenes/2024", "--json")), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Path != "2024/b.csv" || entries[0].Size != 8 {
		t.Errorf("ls --json = %+v", entries)
	}
	// No metadata file yet: stat still answers from the store and says why.
	var st statResult
	if err := json.Unmarshal([]byte(mustRun(t, root, "stat", "earth-lab/scenes/2024/b.csv", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Object == nil || st.Object.Size != 8 || st.Entry != nil || !strings.Contains(st.MetadataError, "missing") {
		t.Errorf("stat = %+v", st)
	}
	if out := mustRun(t, root, "version"); !strings.HasPrefix(out, "coop ") {
		t.Errorf("version = %q", out)
	}
}

func TestBadInput(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "init")
	mustRun(t, root, "account", "create", "alice", "--type", "user")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--no-such-flag"}, 2, "unknown flag: --no-such-flag"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"account", "create", "Bad_ID", "--type", "user"}, 2, "invalid account id"},
		{[]string{"account", "create", "bob"}, 2, "--type must be"},
		{[]string{"account", "create", "alice", "--type", "user"}, 1, "already exists"},
		{[]string{"repo", "create", "nobody/stuff"}, 1, "not found"},
		{[]string{"ls", "alice/../etc"}, 2, "invalid repository id"},
		{[]string{"ls", "alice/repo/a/../../b"}, 2, `".." segments`},
		{[]string{"ls", "ghost"}, 1, "not found"},
		{[]string{"stat", "alice"}, 2, "stat takes"},
		{[]string{"account", "add-key", "alice", "ssh-ed25519 notakey"}, 2, "not an SSH public key"},
		{[]string{"--backend", "ftp", "ls"}, 2, "--backend must be"},
	} {
		code, _, errs := runCLI(t, root, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("coop %v: exit %d, stderr %q; want exit %d and one line containing %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}

func TestAddKey(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "account", "create", "alice", "--type", "user")
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))) + " alice@laptop"
	out := mustRun(t, root, "account", "add-key", "alice", key)
	if !strings.Contains(out, "SHA256:") {
		t.Errorf("add-key: %q", out)
	}
	if out := mustRun(t, root, "account", "add-key", "alice", key); !strings.Contains(out, "already has") {
		t.Errorf("second add-key: %q", out)
	}
}

func TestUnreadableStorageRoot(t *testing.T) {
	if os.Geteuid() == 0 {
		// root reads everything; use a file where a folder should be instead.
		root := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(root, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errs := runCLI(t, root, "ls")
		if code == 0 || !strings.Contains(errs, "not a folder") || strings.Count(errs, "\n") != 1 {
			t.Errorf("ls on a file root: exit %d, %q", code, errs)
		}
		return
	}
	root := t.TempDir()
	mustRun(t, root, "init")
	if err := os.Chmod(root, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(root, 0o755) })
	code, _, errs := runCLI(t, root, "ls")
	if code != 1 || strings.Count(errs, "\n") != 1 {
		t.Errorf("ls on unreadable root: exit %d, %q", code, errs)
	}
}

func TestBrowserStartupErrors(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "init")
	cfgDir := t.TempDir()
	broken := filepath.Join(cfgDir, "broken.toml")
	if err := os.WriteFile(broken, []byte("theme = \"dark\"\n[keys]\nupp = \"k\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badKey := filepath.Join(cfgDir, "badkey.toml")
	if err := os.WriteFile(badKey, []byte("[keys]\nquit = \"ctrl+escape\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"COOP_STORAGE": root}, []string{"--theme", "neon"}, `unknown theme "neon"`},
		{map[string]string{"COOP_STORAGE": root, "COOP_CONFIG": broken}, nil, `broken.toml:3: unknown action "upp"`},
		{map[string]string{"COOP_STORAGE": root, "COOP_CONFIG": badKey}, nil, "badkey.toml:2:"},
		{map[string]string{"COOP_STORAGE": root, "XDG_CONFIG_HOME": cfgDir}, nil, "needs a terminal"},
	} {
		code, _, errs := runCLIEnv(t, tc.env, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("coop %v with %v: exit %d, stderr %q; want exit 2 and one line containing %q", tc.args, tc.env, code, errs, tc.want)
		}
	}
}

func TestCorruptCatalog(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "account", "create", "alice", "--type", "user")
	db := filepath.Join(root, ".coop", "catalog.db")
	garbage := bytes.Repeat([]byte("not a bolt file "), 512)
	if err := os.WriteFile(db, garbage, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, root, "ls")
	if code != 1 || !strings.Contains(errs, "catalog") || strings.Count(errs, "\n") != 1 {
		t.Errorf("ls on a corrupt catalog: exit %d, %q", code, errs)
	}
	after, _ := os.ReadFile(db)
	if !bytes.Equal(after, garbage) {
		t.Error("the corrupt catalog was changed")
	}
}
