// Package accesstest is the contract of the access layer, written once and
// run against every backend:
//
//	accesstest.Run(t, func(t *testing.T) backend.Store { return newStore(t) })
//
// newStore returns an initialised store; it may be shared by every
// subtest, since each one makes its own accounts and repositories.
package accesstest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
)

// world is one subtest's accounts and repositories:
//
//	alice (user)   alice/priv (private, has a.txt), alice/pub (public, has p.txt)
//	bob, carol, dave, erin (users)
//	lab (organization): bob=write, carol=read, dave=maintainer, erin=owner
//	lab/secret (private, has s.txt), lab/open (public, has o.txt)
type world struct {
	base                                backend.Store
	alice, bob, carol, dave, erin, lab  string
	priv, pub, secret, open, missingRef backend.RepoRef
	aliceKey                            string
}

// newWorld makes a fresh world in base with ids unique to this test.
func newWorld(t *testing.T, base backend.Store) *world {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	u := hex.EncodeToString(b[:])
	w := &world{base: base,
		alice: "alice-" + u, bob: "bob-" + u, carol: "carol-" + u, dave: "dave-" + u, erin: "erin-" + u, lab: "lab-" + u}
	ctx := t.Context()
	for _, id := range []string{w.alice, w.bob, w.carol, w.dave, w.erin} {
		must(t, base.CreateAccount(ctx, backend.Account{ID: id, Type: backend.AccountUser, Name: id, Email: id + "@example.org"}))
	}
	must(t, base.CreateAccount(ctx, backend.Account{ID: w.lab, Type: backend.AccountOrganization, Name: "Lab"}))
	owner := access.New(base, access.Owner("test"))
	for id, role := range map[string]access.Role{w.bob: access.RoleWrite, w.carol: access.RoleRead, w.dave: access.RoleMaintainer, w.erin: access.RoleOwner} {
		must(t, access.SetMember(ctx, owner, w.lab, id, role))
	}
	w.aliceKey = NewKey(t)
	if _, _, err := access.AddKey(ctx, owner, w.alice, w.aliceKey); err != nil {
		t.Fatal(err)
	}
	w.priv = repo(t, base, w.alice, "priv", backend.VisibilityPrivate, "a.txt")
	w.pub = repo(t, base, w.alice, "pub", backend.VisibilityPublic, "p.txt")
	w.secret = repo(t, base, w.lab, "secret", backend.VisibilityPrivate, "s.txt")
	w.open = repo(t, base, w.lab, "open", backend.VisibilityPublic, "o.txt")
	w.missingRef = backend.RepoRef{AccountID: w.alice, RepositoryID: "never-made"}
	return w
}

func repo(t *testing.T, base backend.Store, acct, id string, v backend.Visibility, file string) backend.RepoRef {
	t.Helper()
	r := backend.Repository{ID: id, AccountID: acct, Title: id, Visibility: v}
	must(t, base.CreateRepository(t.Context(), r))
	_, err := base.PutObject(t.Context(), r.Ref(), file, strings.NewReader("content of "+file), -1)
	must(t, err)
	return r.Ref()
}

// NewKey returns a fresh ed25519 public key as an authorized_keys line.
func NewKey(t testing.TB) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) + " test@coop"
}

// Recorder keeps audit events in memory.
type Recorder struct {
	mu     sync.Mutex
	events []audit.Event
}

// Record implements audit.Recorder.
func (r *Recorder) Record(ev audit.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

// Events returns what was recorded so far.
func (r *Recorder) Events() []audit.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]audit.Event(nil), r.events...)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want one wrapping %q", what, err, target)
	}
}

// readable checks that s may read ref: the repository, a listing and its
// file.
func readable(t *testing.T, s backend.Store, ref backend.RepoRef, file string) {
	t.Helper()
	ctx := t.Context()
	if _, err := s.GetRepository(ctx, ref.AccountID, ref.RepositoryID); err != nil {
		t.Errorf("GetRepository %s: %v", ref, err)
		return
	}
	p, err := s.ListObjects(ctx, ref, "", backend.PageRequest{})
	if err != nil || len(p.Items) == 0 {
		t.Errorf("ListObjects %s: %v %v", ref, p.Items, err)
	}
	rc, _, err := s.GetObject(ctx, ref, file)
	if err != nil {
		t.Errorf("GetObject %s/%s: %v", ref, file, err)
		return
	}
	body, _ := io.ReadAll(rc)
	rc.Close()
	if string(body) != "content of "+file {
		t.Errorf("GetObject %s/%s = %q", ref, file, body)
	}
}

// hidden checks that ref looks to s exactly like a repository that does
// not exist: every call is ErrNotFound with the same message.
func hidden(t *testing.T, s backend.Store, w *world, ref backend.RepoRef, file string) {
	t.Helper()
	ctx := t.Context()
	_, err := s.GetRepository(ctx, ref.AccountID, ref.RepositoryID)
	wantErr(t, "GetRepository "+ref.String(), err, backend.ErrNotFound)
	missing := backend.RepoRef{AccountID: ref.AccountID, RepositoryID: w.missingRef.RepositoryID}
	_, errMissing := s.GetRepository(ctx, missing.AccountID, missing.RepositoryID)
	if err != nil && errMissing != nil &&
		strings.ReplaceAll(err.Error(), ref.RepositoryID, "X") != strings.ReplaceAll(errMissing.Error(), missing.RepositoryID, "X") {
		t.Errorf("a hidden repository answers %q but a missing one %q: existence leaks", err, errMissing)
	}
	_, err = s.ListObjects(ctx, ref, "", backend.PageRequest{})
	wantErr(t, "ListObjects "+ref.String(), err, backend.ErrNotFound)
	_, err = s.StatObject(ctx, ref, file)
	wantErr(t, "StatObject "+ref.String(), err, backend.ErrNotFound)
	_, _, err = s.GetObject(ctx, ref, file)
	wantErr(t, "GetObject "+ref.String(), err, backend.ErrNotFound)
	_, err = s.ReadMetadata(ctx, ref, "", func([]backend.MetadataEntry) error { return nil })
	wantErr(t, "ReadMetadata "+ref.String(), err, backend.ErrNotFound)
	_, err = s.ReadObjectMetadata(ctx, ref, file)
	wantErr(t, "ReadObjectMetadata "+ref.String(), err, backend.ErrNotFound)
	_, err = s.ReadFolderMetadata(ctx, ref, "", backend.PageRequest{})
	wantErr(t, "ReadFolderMetadata "+ref.String(), err, backend.ErrNotFound)
	_, err = s.PutObject(ctx, ref, "new.txt", strings.NewReader("x"), 1)
	wantErr(t, "PutObject "+ref.String(), err, backend.ErrNotFound)
	err = s.DeleteObject(ctx, ref, file)
	wantErr(t, "DeleteObject "+ref.String(), err, backend.ErrNotFound)
	if errors.Is(err, backend.ErrUnauthorized) {
		t.Errorf("hidden repository %s answered forbidden", ref)
	}
	for _, r := range listRepos(t, s, ref.AccountID, 0) {
		if r.ID == ref.RepositoryID {
			t.Errorf("hidden repository %s listed", ref)
		}
	}
}

// readOnly checks that s may read ref but neither upload nor delete.
func readOnly(t *testing.T, s backend.Store, w *world, ref backend.RepoRef, file string) {
	t.Helper()
	readable(t, s, ref, file)
	ctx := t.Context()
	_, err := s.PutObject(ctx, ref, "new.txt", strings.NewReader("x"), 1)
	wantErr(t, "PutObject "+ref.String(), err, backend.ErrUnauthorized)
	err = s.DeleteObject(ctx, ref, file)
	wantErr(t, "DeleteObject "+ref.String(), err, backend.ErrUnauthorized)
	err = s.UpdateObjectMetadata(ctx, ref, file, nil)
	wantErr(t, "UpdateObjectMetadata "+ref.String(), err, backend.ErrUnauthorized)
	b := backend.NewMetadataBatch(time.Time{})
	b.Removed(file)
	_, err = s.UpdateMetadata(ctx, ref, b)
	wantErr(t, "UpdateMetadata "+ref.String(), err, backend.ErrUnauthorized)
	// Nothing changed underneath.
	if _, err := w.base.StatObject(ctx, ref, file); err != nil {
		t.Errorf("%s/%s gone after a refused delete: %v", ref, file, err)
	}
	if _, err := w.base.StatObject(ctx, ref, "new.txt"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("%s/new.txt exists after a refused upload: %v", ref, err)
	}
}

// writable checks that s may upload to and delete from ref.
func writable(t *testing.T, s backend.Store, ref backend.RepoRef, file string) {
	t.Helper()
	readable(t, s, ref, file)
	ctx := t.Context()
	body := []byte("fresh bytes")
	info, err := s.PutObject(ctx, ref, "w/new.txt", bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Errorf("PutObject %s: %v", ref, err)
		return
	}
	meta := backend.NewObjectMeta(ref, info, nil, info.ModTime)
	must(t, s.UpdateObjectMetadata(ctx, ref, "w/new.txt", &meta))
	must(t, s.DeleteObject(ctx, ref, "w/new.txt"))
	must(t, s.UpdateObjectMetadata(ctx, ref, "w/new.txt", nil))
}

// listRepos pages through an account's repositories as s sees them,
// checking that no page is longer than limit.
func listRepos(t *testing.T, s backend.Store, acct string, limit int) []backend.Repository {
	t.Helper()
	var out []backend.Repository
	req := backend.PageRequest{Limit: limit}
	for range 1000 {
		p, err := s.ListRepositories(context.WithoutCancel(t.Context()), acct, req)
		if err != nil {
			t.Fatalf("ListRepositories %s: %v", acct, err)
		}
		if limit > 0 && len(p.Items) > limit {
			t.Fatalf("page of %d, limit %d", len(p.Items), limit)
		}
		if len(p.Items) == 0 && p.Next != "" {
			t.Fatalf("empty page before the end of %s's repositories", acct)
		}
		out = append(out, p.Items...)
		if p.Next == "" {
			return out
		}
		req.Cursor = p.Next
	}
	t.Fatal("listing never ended")
	return nil
}
