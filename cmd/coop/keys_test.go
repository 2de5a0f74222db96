package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/audit"
)

func newPubKey(t *testing.T, comment string) (line, fp string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) + " " + comment, ssh.FingerprintSHA256(k)
}

// failRun runs a command that must fail with code, printing one line that
// contains want.
func failRun(t *testing.T, root string, code int, want string, args ...string) {
	t.Helper()
	got, _, errs := runCLI(t, root, args...)
	if got != code || !strings.Contains(errs, want) || strings.Count(errs, "\n") != 1 {
		t.Errorf("coop %v: exit %d, stderr %q; want exit %d and one line containing %q", args, got, errs, code, want)
	}
}

func TestKeysAndMembers(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "init")
	for _, acct := range []string{"alice", "bob"} {
		mustRun(t, root, "account", "create", acct, "--type", "user")
	}
	mustRun(t, root, "account", "create", "lab", "--type", "organization")
	mustRun(t, root, "repo", "create", "lab/secret", "--visibility", "private")
	mustRun(t, root, "repo", "create", "lab/open", "--visibility", "public")

	key, fp := newPubKey(t, "alice@laptop")
	if out := mustRun(t, root, "account", "add-key", "alice", key); !strings.Contains(out, fp) {
		t.Errorf("add-key: %q", out)
	}
	// Bad input: malformed keys, another account's key, unknown roles.
	failRun(t, root, 2, "not an SSH public key", "account", "add-key", "bob", "ssh-ed25519 AAAA")
	failRun(t, root, 2, "not an SSH public key", "account", "add-key", "bob", key+"\n"+key)
	failRun(t, root, 1, "already belongs to another account", "account", "add-key", "bob", key)
	failRun(t, root, 2, "unknown role", "account", "add-member", "lab", "bob", "superuser")
	failRun(t, root, 2, "not an organization", "account", "add-member", "alice", "bob", "read")
	failRun(t, root, 1, "not found", "account", "add-member", "lab", "nobody", "read")

	out := mustRun(t, root, "account", "keys", "alice")
	if !strings.Contains(out, fp) || !strings.Contains(out, "ssh-ed25519") || !strings.Contains(out, "alice@laptop") {
		t.Errorf("account keys:\n%s", out)
	}
	if strings.Contains(out, strings.Fields(key)[1]) {
		t.Errorf("account keys prints the whole key:\n%s", out)
	}

	// Membership decides what --as sees.
	mustRun(t, root, "account", "add-member", "lab", "bob", "write")
	if out := mustRun(t, root, "--as", "bob", "ls", "lab"); !strings.Contains(out, "lab/secret") {
		t.Errorf("bob (write member) does not see lab/secret:\n%s", out)
	}
	if out := mustRun(t, root, "--as", "alice", "ls", "lab"); strings.Contains(out, "secret") || !strings.Contains(out, "lab/open") {
		t.Errorf("alice (not a member) lists lab as:\n%s", out)
	}
	failRun(t, root, 1, "not found", "--as", "alice", "ls", "lab/secret")
	failRun(t, root, 1, "not found", "--as", "anonymous", "ls", "lab/secret")
	failRun(t, root, 1, "not allowed", "--as", "bob", "account", "add-key", "alice", mustKey(t))
	failRun(t, root, 1, "not allowed", "--as", "bob", "account", "keys", "alice")
	failRun(t, root, 1, "not allowed", "--as", "bob", "account", "add-member", "lab", "bob", "owner")
	failRun(t, root, 1, "not found", "--as", "nobody", "ls")
	mustRun(t, root, "--as", "alice", "account", "keys", "alice")

	mustRun(t, root, "account", "remove-member", "lab", "bob")
	if out := mustRun(t, root, "--as", "bob", "ls", "lab"); strings.Contains(out, "secret") {
		t.Errorf("bob still sees lab/secret after leaving:\n%s", out)
	}
	if out := mustRun(t, root, "account", "remove-key", "alice", fp); !strings.Contains(out, fp) {
		t.Errorf("remove-key: %q", out)
	}
	if out := mustRun(t, root, "account", "keys", "alice"); strings.Contains(out, fp) {
		t.Errorf("key still listed after remove-key:\n%s", out)
	}
	failRun(t, root, 1, "not found", "account", "remove-key", "alice", fp)

	// Every change is in the audit log, by fingerprint, never the key.
	evs, err := audit.ReadFile(filepath.Join(root, ".coop", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range evs {
		if ev.Result == audit.ResultOK {
			actions = append(actions, ev.Action+" "+ev.Target)
		}
		if strings.Contains(ev.Detail+ev.Error+ev.Target, strings.Fields(key)[1]) {
			t.Errorf("audit event holds a key: %+v", ev)
		}
	}
	got := strings.Join(actions, "\n")
	for _, want := range []string{"account.create alice", "repository.create lab/secret", "key.add alice",
		"member.set lab bob", "member.remove lab bob", "key.remove alice"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit log lacks %q:\n%s", want, got)
		}
	}
	for _, ev := range evs {
		if ev.Action == audit.ActionMemberSet && ev.Result == audit.ResultDenied && ev.Actor == "bob" {
			return
		}
	}
	t.Errorf("bob's refused add-member is not in the audit log: %+v", evs)
}

func mustKey(t *testing.T) string {
	t.Helper()
	k, _ := newPubKey(t, "x")
	return k
}
