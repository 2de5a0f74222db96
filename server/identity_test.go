package server_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend/access"
	"github.com/coopterm/coop/server"
)

// lyingSigner offers one public key but signs with another private key.
type lyingSigner struct {
	claimed gossh.PublicKey
	real    gossh.Signer
}

func (l lyingSigner) PublicKey() gossh.PublicKey { return l.claimed }
func (l lyingSigner) Sign(r io.Reader, data []byte) (*gossh.Signature, error) {
	return l.real.Sign(r, data)
}

func whoami(t *testing.T, c *gossh.Client) string {
	t.Helper()
	out, errs, code := run(t, c, "whoami")
	if code != 0 {
		t.Fatalf("whoami: exit %d, %q", code, errs)
	}
	return strings.TrimSpace(out)
}

// whoamiOnce signs in with who's key (anonymous fallback), asks whoami
// and disconnects.
func whoamiOnce(t *testing.T, f *fixture, who string) string {
	t.Helper()
	c, err := f.dial(t, gossh.PublicKeys(f.keys[who]), anonymousAuth())
	if err != nil {
		t.Fatalf("dial as %s: %v", who, err)
	}
	defer func() { _ = c.Close() }()
	return whoami(t, c)
}

// The regression for GHSA-pchf-49fh-w34r: a client that offers another
// account's public key (which the server accepts as a candidate) and then
// signs with its own key must never be let in as that account.
func TestOfferingAnotherAccountsKeyDoesNotSignIn(t *testing.T) {
	f := newFixture(t, server.Config{})
	alicePub := f.keys["alice"].PublicKey()

	// Offers alice's key (the server accepts it as a candidate), then
	// signs with eve's, known to no account, or with bob's; anonymous
	// access is open as a fallback.
	for _, liar := range []string{"eve", "bob"} {
		c, err := f.dial(t, gossh.PublicKeys(lyingSigner{claimed: alicePub, real: f.keys[liar]}), anonymousAuth())
		if err != nil {
			continue // refused outright: the signature did not verify
		}
		if got := whoami(t, c); got == "alice" {
			t.Errorf("offered alice's key, signed with %s's: signed in as alice", liar)
		}
		_ = c.Close()
	}
	// The honest client after a liar's failed attempt on another
	// connection is unaffected.
	if got := whoami(t, f.as(t, "bob")); got != "bob" {
		t.Errorf("bob signs in as %q", got)
	}

	for _, ev := range f.rec.find(audit.ActionLogin, "alice", "") {
		t.Errorf("a login was recorded as alice: %+v", ev)
	}

	// With anonymous access off, the liar gets nothing at all.
	strict := newFixture(t, server.Config{Anonymous: server.AnonymousNone})
	if c, err := strict.dial(t, gossh.PublicKeys(lyingSigner{claimed: strict.keys["alice"].PublicKey(), real: strict.keys["eve"]}), anonymousAuth()); err == nil {
		t.Errorf("anonymous none: the liar was let in as %q", whoami(t, c))
		_ = c.Close()
	}
}

func TestWhoSignsIn(t *testing.T) {
	f := newFixture(t, server.Config{})
	for _, tc := range []struct {
		name string
		user string
		auth []gossh.AuthMethod
		want string
	}{
		{"alice's key", "coop", []gossh.AuthMethod{gossh.PublicKeys(f.keys["alice"])}, "alice"},
		{"bob's key before an unknown one", "coop", []gossh.AuthMethod{gossh.PublicKeys(f.keys["bob"], f.keys["eve"])}, "bob"},
		// As with soft-serve, the first key the server accepts decides:
		// unknown keys are accepted (anonymously) for batch clients.
		{"an unknown key before bob's", "coop", []gossh.AuthMethod{gossh.PublicKeys(f.keys["eve"], f.keys["bob"])}, "anonymous"},
		{"an unknown key", "coop", []gossh.AuthMethod{gossh.PublicKeys(f.keys["eve"]), anonymousAuth()}, "anonymous"},
		{"keyboard-interactive", "coop", []gossh.AuthMethod{anonymousAuth()}, "anonymous"},
		// A batch client without any key: the "none" method, as the user
		// named anonymous.
		{"no key at all, as anonymous", server.AnonymousUser, nil, "anonymous"},
		// Any other user name is asked for its key even though the client
		// tries "none" first.
		{"bob's key, user bob", "bob", []gossh.AuthMethod{gossh.PublicKeys(f.keys["bob"])}, "bob"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := f.dialUser(t, tc.user, tc.auth...)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = c.Close() }()
			if got := whoami(t, c); got != tc.want {
				t.Errorf("signed in as %q, want %q", got, tc.want)
			}
		})
	}
	// Every connection logged in once, with the key's fingerprint.
	logins := f.rec.find(audit.ActionLogin, "alice", audit.ResultOK)
	if len(logins) != 1 || logins[0].Detail != gossh.FingerprintSHA256(f.keys["alice"].PublicKey()) || logins[0].Remote == "" {
		t.Errorf("alice's login events: %+v", logins)
	}

	// A key removed while the server runs stops working at once; one added
	// is recognised.
	ctx := context.Background()
	owner := access.New(f.store, access.Owner("test"))
	if _, err := access.RemoveKey(ctx, owner, "alice", gossh.FingerprintSHA256(f.keys["alice"].PublicKey())); err != nil {
		t.Fatal(err)
	}
	if got := whoamiOnce(t, f, "alice"); got != "anonymous" {
		t.Errorf("after its key was removed, alice's key signs in as %q", got)
	}
	if _, _, err := access.AddKey(ctx, owner, "alice", authorized(f.keys["eve"])); err != nil {
		t.Fatal(err)
	}
	// Keys added while serving are found within a second or so.
	deadline := time.Now().Add(3 * time.Second)
	for got := whoamiOnce(t, f, "eve"); got != "alice"; got = whoamiOnce(t, f, "eve") {
		if time.Now().After(deadline) {
			t.Fatalf("a key added while serving signs in as %q, want alice", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Without a key and without keyboard-interactive, only the anonymous
// user name gets in (by "none"), and only while anonymous access is on.
func TestNoneMethod(t *testing.T) {
	f := newFixture(t, server.Config{})
	if c, err := f.dialUser(t, "coop"); err == nil {
		_ = c.Close()
		t.Error(`"none" signed in a user not named anonymous`)
	}
	strict := newFixture(t, server.Config{Anonymous: server.AnonymousNone})
	if c, err := strict.dialUser(t, server.AnonymousUser); err == nil {
		_ = c.Close()
		t.Error(`"none" signed in with anonymous access off`)
	}
}

func TestAnonymousNone(t *testing.T) {
	f := newFixture(t, server.Config{Anonymous: server.AnonymousNone})
	if c, err := f.dial(t, gossh.PublicKeys(f.keys["eve"]), anonymousAuth()); err == nil {
		_ = c.Close()
		t.Fatal("an unknown key was let in with anonymous none")
	}
	if c, err := f.dial(t, anonymousAuth()); err == nil {
		_ = c.Close()
		t.Fatal("a client without a key was let in with anonymous none")
	}
	if got := whoami(t, f.as(t, "bob")); got != "bob" {
		t.Errorf("bob signs in as %q", got)
	}
	if len(f.rec.find(audit.ActionLogin, "", audit.ResultDenied)) == 0 {
		t.Error("refused logins are not in the audit log")
	}
}

// Finding 8: a key moved to another account signed in as anonymous until
// an unknown key happened to refresh the index. It signs in as its new
// owner at the next login.
func TestMovedKeySignsInAsItsNewOwner(t *testing.T) {
	f := newFixture(t, server.Config{})
	if got := whoamiOnce(t, f, "alice"); got != "alice" {
		t.Fatalf("alice signs in as %q", got)
	}
	ctx := context.Background()
	owner := access.New(f.store, access.Owner("test"))
	fp := gossh.FingerprintSHA256(f.keys["alice"].PublicKey())
	if _, err := access.RemoveKey(ctx, owner, "alice", fp); err != nil {
		t.Fatal(err)
	}
	if _, _, err := access.AddKey(ctx, owner, "bob", authorized(f.keys["alice"])); err != nil {
		t.Fatal(err)
	}
	if got := whoamiOnce(t, f, "alice"); got != "bob" {
		t.Errorf("the key moved to bob signs in as %q", got)
	}
}

// Finding 13: sessions kept their rights after their key was removed.
// Removing the key ends the account's open sessions within seconds, with
// a message; removing a membership takes the rights it gave away from
// open sessions as quickly.
func TestRemovedKeyEndsSessionsAndMembershipDowngrades(t *testing.T) {
	f := newFixture(t, server.Config{})
	b := openBrowser(t, f.as(t, "alice"), 100, 30, "")
	b.waitOut(t, 10*time.Second, "alice")
	aliceFiles, _ := sftpAs(t, f, "alice")
	bobFiles, _ := sftpAs(t, f, "bob")
	upload := func(c *sftp.Client, p string) error {
		w, err := c.Create(p)
		if err != nil {
			return err
		}
		if _, err := w.Write([]byte("x")); err != nil {
			return err
		}
		return w.Close()
	}
	must(t, upload(bobFiles, "/lab/data/before.txt"))

	ctx := context.Background()
	owner := access.New(f.store, access.Owner("test"))
	start := time.Now()
	if _, err := access.RemoveKey(ctx, owner, "alice", gossh.FingerprintSHA256(f.keys["alice"].PublicKey())); err != nil {
		t.Fatal(err)
	}
	must(t, access.RemoveMember(ctx, owner, "lab", "bob"))
	if code := b.waitEnd(t, 10*time.Second); code != 1 || !strings.Contains(b.err.String(), "no longer belongs to alice") {
		t.Errorf("alice's browser after her key was removed: exit %d, %q", code, b.err.String())
	}
	if _, err := aliceFiles.ReadDir("/alice/priv"); err == nil {
		t.Error("alice's sftp session still lists her private repository after her key was removed")
	}
	t.Logf("sessions ended %s after the key was removed", time.Since(start).Round(10*time.Millisecond))
	eventually(t, func() error {
		if err := upload(bobFiles, "/lab/data/after.txt"); err == nil {
			return errors.New("bob still uploads to lab/data after leaving lab")
		}
		return nil
	})
	if _, err := bobFiles.ReadDir("/alice/pub"); err != nil {
		t.Errorf("bob's session lost what it may still do: %v", err)
	}
}
