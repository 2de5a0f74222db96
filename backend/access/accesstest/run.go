package accesstest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
)

// Run runs the access contract against the stores newStore returns.
func Run(t *testing.T, newStore func(t *testing.T) backend.Store) {
	sub := func(name string, fn func(t *testing.T, w *world)) {
		t.Run(name, func(t *testing.T) { fn(t, newWorld(t, newStore(t))) })
	}
	sub("Anonymous", anonymous)
	sub("Account", account)
	sub("Members", members)
	sub("Owner", owner)
	sub("Keys", keys)
	sub("Paging", paging)
	sub("Audit", auditTrail)
	sub("Require", require)
	sub("Emails", emails)
	sub("HiddenCostsAsMissing", hiddenCostsAsMissing)
}

// require: a front end checks a level before work, and a refusal is in
// the audit log as the refused action; a check that passes records
// nothing (the action itself will be).
func require(t *testing.T, w *world) {
	ctx := t.Context()
	rec := &Recorder{}
	bob := access.New(w.base, access.AsAccount(w.bob, "local"), access.WithAudit(rec))
	carol := access.New(w.base, access.AsAccount(w.carol, "local"), access.WithAudit(rec))
	anon := access.New(w.base, access.Anonymous("local"), access.WithAudit(rec))
	must(t, bob.Require(ctx, w.secret, access.ReadWrite, audit.ActionMetadataUpdate))
	wantErr(t, "carol (read) requires write", carol.Require(ctx, w.secret, access.ReadWrite, audit.ActionMetadataUpdate), backend.ErrUnauthorized)
	must(t, carol.Require(ctx, w.secret, access.ReadOnly, audit.ActionMetadataUpdate))
	wantErr(t, "anonymous requires read of a private repository", anon.Require(ctx, w.priv, access.ReadOnly, audit.ActionMetadataUpdate), backend.ErrNotFound)
	got := rec.Events()
	if len(got) != 2 || got[0].Actor != w.carol || got[0].Action != audit.ActionMetadataUpdate || got[0].Target != w.secret.String() ||
		got[0].Result != audit.ResultDenied || got[1].Result != audit.ResultNotFound {
		t.Fatalf("audit events %+v, want carol's refusal and anonymous's", got)
	}
}

func anonymous(t *testing.T, w *world) {
	s := access.New(w.base, access.Anonymous("192.0.2.1:5000"))
	readOnly(t, s, w, w.pub, "p.txt")
	readOnly(t, s, w, w.open, "o.txt")
	hidden(t, s, w, w.priv, "a.txt")
	hidden(t, s, w, w.secret, "s.txt")
	ctx := t.Context()
	wantErr(t, "Init", s.Init(ctx), backend.ErrUnauthorized)
	err := s.CreateRepository(ctx, backend.Repository{ID: "x-anon", AccountID: w.alice, Title: "x", Visibility: backend.VisibilityPublic})
	wantErr(t, "CreateRepository", err, backend.ErrUnauthorized)
	a, err := s.FindAccount(ctx, w.alice)
	must(t, err)
	if a.MetadataPrivate != nil || a.Email != "" {
		t.Errorf("anonymous sees alice's private metadata or email: %+v", a)
	}
	a.Name = "hacked"
	wantErr(t, "UpdateAccount", s.UpdateAccount(ctx, a), backend.ErrUnauthorized)
	_, err = s.FindAccountByEmail(ctx, w.alice+"@example.org")
	wantErr(t, "FindAccountByEmail", err, backend.ErrNotFound)
	wantErr(t, "CreateAccount", s.CreateAccount(ctx, backend.Account{ID: "evil-" + w.alice, Type: backend.AccountUser}), backend.ErrUnauthorized)
}

func account(t *testing.T, w *world) {
	s := access.New(w.base, access.AsAccount(w.alice, "192.0.2.2:5000"))
	writable(t, s, w.priv, "a.txt")
	writable(t, s, w.pub, "p.txt")
	readOnly(t, s, w, w.open, "o.txt")
	hidden(t, s, w, w.secret, "s.txt")
	ctx := t.Context()
	if lvl, err := s.Level(ctx, w.priv); err != nil || lvl != access.Admin {
		t.Errorf("alice's level on her own repository: %v %v", lvl, err)
	}
	a, err := s.FindAccount(ctx, w.alice)
	must(t, err)
	if len(access.Keys(a)) != 1 {
		t.Errorf("alice does not see her own key: %+v", a.MetadataPrivate)
	}
	b, err := s.FindAccount(ctx, w.bob)
	must(t, err)
	if b.MetadataPrivate != nil {
		t.Errorf("alice sees bob's private metadata: %+v", b.MetadataPrivate)
	}
	org, err := s.FindAccount(ctx, w.lab)
	must(t, err)
	if org.MetadataPrivate != nil {
		t.Errorf("a non-member sees the organization's members: %+v", org.MetadataPrivate)
	}
	// Alice cannot make herself a member, nor change bob.
	err = access.SetMember(ctx, s, w.lab, w.alice, access.RoleOwner)
	wantErr(t, "SetMember by a non-member", err, backend.ErrUnauthorized)
	_, _, err = access.AddKey(ctx, s, w.bob, NewKey(t))
	wantErr(t, "AddKey to another account", err, backend.ErrUnauthorized)
	// Her own repositories: creating is allowed, in the organization not.
	must(t, s.CreateRepository(ctx, backend.Repository{ID: "made", AccountID: w.alice, Title: "made", Visibility: backend.VisibilityPrivate}))
	err = s.CreateRepository(ctx, backend.Repository{ID: "made", AccountID: w.lab, Title: "made", Visibility: backend.VisibilityPrivate})
	wantErr(t, "CreateRepository in another account", err, backend.ErrUnauthorized)
	// Listing shows her private repository and the organization's public one only.
	if got := names(listRepos(t, s, w.lab, 0)); got != "open" {
		t.Errorf("alice lists lab's repositories as %q, want open", got)
	}
	if got := names(listRepos(t, s, w.alice, 0)); got != "made,priv,pub" {
		t.Errorf("alice lists her repositories as %q", got)
	}
}

func members(t *testing.T, w *world) {
	ctx := t.Context()
	bob := access.New(w.base, access.AsAccount(w.bob, "r"))
	writable(t, bob, w.secret, "s.txt")
	hidden(t, bob, w, w.priv, "a.txt")
	readOnly(t, bob, w, w.pub, "p.txt")
	r, err := bob.GetRepository(ctx, w.secret.AccountID, w.secret.RepositoryID)
	must(t, err)
	r.Title = "renamed by a write member"
	wantErr(t, "UpdateRepository by write member", bob.UpdateRepository(ctx, r), backend.ErrUnauthorized)
	wantErr(t, "SetMember by write member", access.SetMember(ctx, bob, w.lab, w.bob, access.RoleOwner), backend.ErrUnauthorized)

	carol := access.New(w.base, access.AsAccount(w.carol, "r"))
	readOnly(t, carol, w, w.secret, "s.txt")

	dave := access.New(w.base, access.AsAccount(w.dave, "r"))
	writable(t, dave, w.secret, "s.txt")
	must(t, dave.CreateRepository(ctx, backend.Repository{ID: "by-dave", AccountID: w.lab, Title: "d", Visibility: backend.VisibilityPrivate}))
	must(t, dave.UpdateRepository(ctx, r))
	wantErr(t, "SetMember by maintainer", access.SetMember(ctx, dave, w.lab, w.dave, access.RoleOwner), backend.ErrUnauthorized)

	erin := access.New(w.base, access.AsAccount(w.erin, "r"))
	org, err := erin.FindAccount(ctx, w.lab)
	must(t, err)
	if access.Members(org)[w.bob] != access.RoleWrite {
		t.Errorf("the organization's owner does not see its members: %+v", org.MetadataPrivate)
	}
	must(t, access.SetMember(ctx, erin, w.lab, w.alice, access.RoleRead))
	// A fresh session of alice's now sees the secret repository, read-only.
	alice := access.New(w.base, access.AsAccount(w.alice, "r"))
	readOnly(t, alice, w, w.secret, "s.txt")
	must(t, access.RemoveMember(ctx, erin, w.lab, w.alice))
	hidden(t, access.New(w.base, access.AsAccount(w.alice, "r")), w, w.secret, "s.txt")
	wantErr(t, "RemoveMember of a non-member", access.RemoveMember(ctx, erin, w.lab, w.alice), backend.ErrNotFound)
	wantErr(t, "SetMember of an organization", access.SetMember(ctx, erin, w.lab, w.lab, access.RoleRead), backend.ErrInvalid)
	wantErr(t, "SetMember with an unknown role", access.SetMember(ctx, erin, w.lab, w.bob, access.Role("god")), backend.ErrInvalid)
}

func owner(t *testing.T, w *world) {
	s := access.New(w.base, access.Owner("root"))
	for _, c := range []struct {
		ref  backend.RepoRef
		file string
	}{{w.priv, "a.txt"}, {w.pub, "p.txt"}, {w.secret, "s.txt"}, {w.open, "o.txt"}} {
		writable(t, s, c.ref, c.file)
	}
	must(t, s.Init(t.Context()))
	if got := names(listRepos(t, s, w.lab, 0)); got != "open,secret" {
		t.Errorf("owner lists lab's repositories as %q", got)
	}
}

func keys(t *testing.T, w *world) {
	ctx := t.Context()
	s := access.New(w.base, access.Owner("root"))
	// A key another account owns is refused, through any path.
	_, _, err := access.AddKey(ctx, s, w.bob, w.aliceKey)
	wantErr(t, "AddKey of alice's key to bob", err, backend.ErrExists)
	b, err := w.base.FindAccount(ctx, w.bob)
	must(t, err)
	b.MetadataPrivate = map[string]any{access.KeysField: []any{w.aliceKey}}
	wantErr(t, "UpdateAccount with alice's key", s.UpdateAccount(ctx, b), backend.ErrExists)
	// Adding one's own key again is not an error, and not a second copy.
	fp, added, err := access.AddKey(ctx, s, w.alice, w.aliceKey)
	must(t, err)
	if added || !strings.HasPrefix(fp, "SHA256:") {
		t.Errorf("re-adding a key: added=%v fp=%q", added, fp)
	}
	for _, bad := range []string{"", "ssh-ed25519", "ssh-ed25519 AAAAnotbase64!", "not a key at all",
		w.aliceKey + "\n" + NewKey(t), `command="sh" ` + NewKey(t)} {
		if _, _, err := access.AddKey(ctx, s, w.bob, bad); !errors.Is(err, backend.ErrInvalid) {
			t.Errorf("AddKey(%q): %v, want invalid", bad, err)
		}
	}
	// Alice's own session manages her keys.
	alice := access.New(w.base, access.AsAccount(w.alice, "r"))
	k2 := NewKey(t)
	if _, added, err := access.AddKey(ctx, alice, w.alice, k2); err != nil || !added {
		t.Fatalf("alice adds a key: %v %v", added, err)
	}
	fp2, err := access.RemoveKey(ctx, alice, w.alice, access.Fingerprint(k2))
	must(t, err)
	if fp2 != access.Fingerprint(k2) {
		t.Errorf("RemoveKey reported %s", fp2)
	}
	_, err = access.RemoveKey(ctx, alice, w.alice, k2)
	wantErr(t, "RemoveKey of a removed key", err, backend.ErrNotFound)
	pk, _, err := access.ParseKey(w.aliceKey)
	must(t, err)
	got, err := w.base.FindAccount(ctx, w.alice)
	if err != nil || !access.HasKey(got, pk) {
		t.Errorf("alice's account does not list her key: %v", err)
	}
}

func paging(t *testing.T, w *world) {
	ctx := t.Context()
	for i := range 7 {
		v := backend.VisibilityPrivate
		if i == 5 {
			v = backend.VisibilityPublic
		}
		must(t, w.base.CreateRepository(ctx, backend.Repository{ID: fmt.Sprintf("bulk-%d", i), AccountID: w.alice, Title: "b", Visibility: v}))
	}
	anon := access.New(w.base, access.Anonymous("r"))
	if got := names(listRepos(t, anon, w.alice, 2)); got != "bulk-5,pub" {
		t.Errorf("anonymous pages of alice's repositories: %q", got)
	}
	alice := access.New(w.base, access.AsAccount(w.alice, "r"))
	if got := len(listRepos(t, alice, w.alice, 2)); got != 9 {
		t.Errorf("alice lists %d of her 9 repositories", got)
	}
}

func auditTrail(t *testing.T, w *world) {
	ctx := t.Context()
	rec := &Recorder{}
	bob := access.New(w.base, access.AsAccount(w.bob, "198.51.100.7:40000"), access.WithAudit(rec))
	_, err := bob.PutObject(ctx, w.secret, "up.bin", strings.NewReader("12345"), 5)
	must(t, err)
	must(t, bob.DeleteObject(ctx, w.secret, "up.bin"))
	_, err = bob.PutObject(ctx, w.pub, "no.bin", strings.NewReader("x"), 1)
	wantErr(t, "bob uploads to alice/pub", err, backend.ErrUnauthorized)
	owner := access.New(w.base, access.Owner("root"), access.WithAudit(rec))
	key := NewKey(t)
	_, _, err = access.AddKey(ctx, owner, w.bob, key)
	must(t, err)
	must(t, access.SetMember(ctx, owner, w.lab, w.alice, access.RoleRead))

	want := []struct{ actor, action, target, result string }{
		{w.bob, audit.ActionUpload, w.secret.String() + "/up.bin", audit.ResultOK},
		{w.bob, audit.ActionDelete, w.secret.String() + "/up.bin", audit.ResultOK},
		{w.bob, audit.ActionUpload, w.pub.String() + "/no.bin", audit.ResultDenied},
		{"local:root", audit.ActionKeyAdd, w.bob, audit.ResultOK},
		{"local:root", audit.ActionMemberSet, w.lab + " " + w.alice, audit.ResultOK},
	}
	got := rec.Events()
	if len(got) != len(want) {
		t.Fatalf("audit events %+v, want %d", got, len(want))
	}
	for i, wv := range want {
		g := got[i]
		if g.Actor != wv.actor || g.Action != wv.action || g.Target != wv.target || g.Result != wv.result || g.Time.IsZero() {
			t.Errorf("event %d = %+v, want %+v", i, g, wv)
		}
	}
	if got[0].Bytes != 5 || got[0].Remote != "198.51.100.7:40000" {
		t.Errorf("upload event %+v: want 5 bytes from 198.51.100.7:40000", got[0])
	}
	if got[3].Detail != access.Fingerprint(key) {
		t.Errorf("key event detail %q, want the fingerprint", got[3].Detail)
	}
	all, _ := json.Marshal(got)
	if strings.Contains(string(all), strings.Fields(key)[1]) {
		t.Errorf("the audit log contains a key's text: %s", all)
	}
}

func names(rs []backend.Repository) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}
