package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// add-key takes the key's text, a file that holds it (a .pub file, or an
// authorized_keys file: its first key), or - for stdin; anything else is
// a one-line usage error and adds nothing.
func TestAddKeyFromFileOrStdin(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "account", "create", "alice", "--type", "user")
	dir := t.TempDir()
	fromFile, fp1 := newPubKey(t, "alice@laptop")
	pub := filepath.Join(dir, "id_ed25519.pub")
	if err := os.WriteFile(pub, []byte(fromFile+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, root, "account", "add-key", "alice", pub); !strings.Contains(out, "added key "+fp1) {
		t.Errorf("add-key FILE: %q", out)
	}
	fromStdin, fp2 := newPubKey(t, "alice@desk")
	var out, errb bytes.Buffer
	env := map[string]string{"COOP_STORAGE": root, "HOME": t.TempDir()}
	code := run(context.Background(), []string{"account", "add-key", "alice", "-"}, &app{
		stdin: strings.NewReader("# my desk key\n\n" + fromStdin + "\n"), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return env[k] }, isTerminal: func() bool { return false }})
	if code != 0 || !strings.Contains(out.String(), "added key "+fp2) {
		t.Errorf("add-key -: exit %d, %q, %q", code, out.String(), errb.String())
	}
	if keys := mustRun(t, root, "account", "keys", "alice"); !strings.Contains(keys, fp1) || !strings.Contains(keys, fp2) {
		t.Errorf("keys after add-key FILE and -:\n%s", keys)
	}
	empty := filepath.Join(dir, "empty.pub")
	if err := os.WriteFile(empty, []byte("# nothing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge")
	if err := os.WriteFile(huge, bytes.Repeat([]byte("x"), maxKeyFile+1), 0o644); err != nil {
		t.Fatal(err)
	}
	notKey := filepath.Join(dir, "notkey.pub")
	if err := os.WriteFile(notKey, []byte("hello world\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ arg, want string }{
		{filepath.Join(dir, "missing.pub"), "nor a file"},
		{empty, "holds no SSH public key"},
		{huge, "not a public key file"},
		{notKey, "not an SSH public key"},
		{"-", "holds no SSH public key"}, // stdin is empty
	} {
		failRun(t, root, 2, tc.want, "account", "add-key", "alice", tc.arg)
	}
	if keys := mustRun(t, root, "account", "keys", "alice"); strings.Count(keys, "\n") != 2 {
		t.Errorf("a refused add-key changed the keys:\n%s", keys)
	}
}
