package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
	"github.com/coopterm/coop/backend/access/accesstest"
	"github.com/coopterm/coop/backend/local"
	"github.com/coopterm/coop/server"
)

// fixture is a running server on a store with:
//
//	alice (key), bob (key), lab (organization: bob=write)
//	alice/priv (private, a.txt), alice/pub (public, p.txt), lab/data (private)
type fixture struct {
	addr  string
	store backend.Store
	rec   *recorder
	keys  map[string]gossh.Signer // alice, bob, eve (eve owns no account)
	stop  func() error
	// spool is the server's upload spool folder.
	spool string
}

// recorder keeps the audit events of a test's server.
type recorder struct{ accesstest.Recorder }

func (r *recorder) find(action, actor, result string) []audit.Event {
	var out []audit.Event
	for _, ev := range r.Events() {
		if ev.Action == action && (actor == "" || ev.Actor == actor) && (result == "" || ev.Result == result) {
			out = append(out, ev)
		}
	}
	return out
}

func newSigner(t testing.TB) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func authorized(s gossh.Signer) string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey())))
}

func newLocalStore(t testing.TB) backend.Store {
	t.Helper()
	st, err := local.Open(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// populate makes the fixture's accounts, keys and repositories in store.
func populate(t testing.TB, store backend.Store) map[string]gossh.Signer {
	t.Helper()
	ctx := context.Background()
	owner := access.New(store, access.Owner("test"))
	keys := map[string]gossh.Signer{"alice": newSigner(t), "bob": newSigner(t), "eve": newSigner(t)}
	for _, id := range []string{"alice", "bob"} {
		must(t, owner.CreateAccount(ctx, backend.Account{ID: id, Type: backend.AccountUser, Name: id}))
		if _, _, err := access.AddKey(ctx, owner, id, authorized(keys[id])); err != nil {
			t.Fatal(err)
		}
	}
	must(t, owner.CreateAccount(ctx, backend.Account{ID: "lab", Type: backend.AccountOrganization, Name: "Lab"}))
	must(t, access.SetMember(ctx, owner, "lab", "bob", access.RoleWrite))
	for _, r := range []backend.Repository{
		{ID: "priv", AccountID: "alice", Title: "Alice private", Visibility: backend.VisibilityPrivate},
		{ID: "pub", AccountID: "alice", Title: "Alice public", Visibility: backend.VisibilityPublic},
		{ID: "data", AccountID: "lab", Title: "Lab data", Visibility: backend.VisibilityPrivate},
	} {
		must(t, owner.CreateRepository(ctx, r))
	}
	put(t, store, "alice", "priv", "a.txt", "alice's secret")
	put(t, store, "alice", "pub", "p.txt", "public words")
	return keys
}

func put(t testing.TB, store backend.Store, acct, repo, path, body string) {
	t.Helper()
	_, err := store.PutObject(context.Background(), backend.RepoRef{AccountID: acct, RepositoryID: repo}, path, strings.NewReader(body), int64(len(body)))
	must(t, err)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// start runs a server on store with cfg on a free 127.0.0.1 port.
func start(t testing.TB, store backend.Store, cfg server.Config) *fixture {
	t.Helper()
	f := &fixture{store: store, rec: &recorder{}}
	cfg.Store = store
	cfg.Audit = f.rec
	cfg.HostKey = newSigner(t)
	if cfg.SpoolDir == "" {
		cfg.SpoolDir = t.TempDir()
	}
	f.spool = cfg.SpoolDir
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	var once sync.Once
	var stopErr error
	f.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(20 * time.Second):
				stopErr = errors.New("server did not stop within 20s")
			}
		})
		return stopErr
	}
	t.Cleanup(func() {
		if err := f.stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return f
}

// newFixture starts a server on a fresh local store.
func newFixture(t testing.TB, cfg server.Config) *fixture {
	t.Helper()
	store := newLocalStore(t)
	keys := populate(t, store)
	f := start(t, store, cfg)
	f.keys = keys
	return f
}

// anonymousAuth is keyboard-interactive with no questions answered.
func anonymousAuth() gossh.AuthMethod {
	return gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return nil, nil })
}

// dial connects with the given auth methods.
func (f *fixture) dial(t testing.TB, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	t.Helper()
	return f.dialUser(t, "coop", auth...)
}

// dialUser connects as user with the given auth methods (the client
// always tries "none" first).
func (f *fixture) dialUser(t testing.TB, user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	t.Helper()
	return gossh.Dial("tcp", f.addr, &gossh.ClientConfig{
		User:            user,
		Auth:            auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // a test server with a fresh key
		Timeout:         10 * time.Second,
	})
}

// as connects with one key and, for unknown keys, anonymous fallback.
func (f *fixture) as(t testing.TB, who string) *gossh.Client {
	t.Helper()
	c, err := f.dial(t, gossh.PublicKeys(f.keys[who]), anonymousAuth())
	if err != nil {
		t.Fatalf("dial as %s: %v", who, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// run runs a command in a new session and returns stdout, stderr and the
// exit status.
func run(t testing.TB, c *gossh.Client, cmd string) (string, string, int) {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	defer func() { _ = s.Close() }()
	var out, errb bytes.Buffer
	s.Stdout, s.Stderr = &out, &errb
	err = s.Run(cmd)
	code := 0
	var exit *gossh.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitStatus()
	case err != nil && !errors.Is(err, io.EOF):
		var missing *gossh.ExitMissingError
		if !errors.As(err, &missing) {
			t.Fatalf("run %q: %v", cmd, err)
		}
		code = -1
	}
	return out.String(), errb.String(), code
}
