package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
)

// Permission extensions the public-key callback attaches to the key it
// accepted. crypto/ssh keeps them with that key, so after the handshake
// they describe the key whose signature was verified.
const (
	extAccount = "coop-account"
	extKey     = "coop-key-fingerprint"
)

// refreshEvery bounds how often an unknown key makes the index reload the
// accounts; keys added while the server runs are found within this.
const refreshEvery = time.Second

// keyIndex maps key fingerprints to the accounts that own them, built
// from the accounts' private metadata and reloaded when an unknown key
// shows up (at most once per refreshEvery).
type keyIndex struct {
	store backend.Store

	mu     sync.Mutex
	byFP   map[string]string
	loaded time.Time
}

func newKeyIndex(store backend.Store) *keyIndex {
	return &keyIndex{store: store, byFP: map[string]string{}}
}

// owner returns the account that owns key, or "" if none does. A hit is
// confirmed against the account itself, and a hit that no longer holds
// (the key was removed, or moved to another account) reloads the index at
// once, so the move takes effect at this login. A miss reloads it at most
// once per refreshEvery, so a key added while serving is found within
// that, and unknown keys cannot make the server read every account on
// every connection.
func (k *keyIndex) owner(ctx context.Context, key gossh.PublicKey) (string, error) {
	fp := gossh.FingerprintSHA256(key)
	for attempt := 0; ; attempt++ {
		k.mu.Lock()
		id, ok := k.byFP[fp]
		stale := time.Since(k.loaded) > refreshEvery
		k.mu.Unlock()
		if ok {
			acct, err := k.store.FindAccount(ctx, id)
			switch {
			case err == nil && access.HasKey(acct, key):
				return acct.ID, nil
			case err != nil && !errors.Is(err, backend.ErrNotFound):
				return "", fmt.Errorf("account %s: %w", id, err)
			}
			stale = true // the index is out of date for this key
		}
		if attempt > 0 || !stale {
			return "", nil
		}
		if err := k.reload(ctx); err != nil {
			return "", err
		}
	}
}

// reload rebuilds the index from every account.
func (k *keyIndex) reload(ctx context.Context) error {
	byFP := map[string]string{}
	err := access.EachAccount(ctx, k.store, func(a backend.Account) bool {
		for _, line := range access.Keys(a) {
			if fp := access.Fingerprint(line); fp != "" {
				byFP[fp] = a.ID
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.byFP, k.loaded = byFP, time.Now()
	k.mu.Unlock()
	return nil
}

// publicKeyHandler accepts a key an account owns, and records which
// account on the permissions of that key. With anonymous access on it
// also accepts unknown keys, recording no account: clients in batch mode
// (sftp -b, scp) cannot fall back to keyboard-interactive. As with
// soft-serve, the first key a client offers that the server accepts
// decides who it is, so a client with several keys should offer its
// registered one first (ssh -o IdentitiesOnly=yes -i KEY).
func (s *Server) publicKeyHandler(ctx ssh.Context, key ssh.PublicKey) bool {
	lookup, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	id, err := s.keys.owner(lookup, key)
	if err != nil {
		s.log.Error("key lookup", "err", err)
		return false
	}
	if id == "" && s.cfg.Anonymous != AnonymousRead {
		return false
	}
	perms := ctx.Permissions()
	if perms.Extensions == nil {
		perms.Extensions = map[string]string{}
	}
	perms.Extensions[extAccount] = id
	perms.Extensions[extKey] = gossh.FingerprintSHA256(key)
	return true
}

// verifiedKey runs once a key's signature has been verified, with the
// permissions recorded when that key was offered: they must name that very
// key, or the login fails during the handshake already.
func verifiedKey(_ gossh.ConnMetadata, key gossh.PublicKey, perms *gossh.Permissions, _ string) (*gossh.Permissions, error) {
	if perms == nil || perms.Extensions[extKey] != gossh.FingerprintSHA256(key) {
		return nil, errWrongKey
	}
	return perms, nil
}

// AnonymousUser is the user name that signs in anonymously without any
// key (the SSH "none" method), when anonymous access is on:
// `sftp anonymous@host`. Other user names must offer a key or use
// keyboard-interactive, because OpenSSH tries "none" before any key and a
// registered user would otherwise never be asked for theirs.
const AnonymousUser = "anonymous"

// serverConfig is the handshake's configuration for one connection. Each
// way of signing in reports its success to signedIn.
func (s *Server) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	cfg := &gossh.ServerConfig{
		VerifiedPublicKeyCallback: func(m gossh.ConnMetadata, key gossh.PublicKey, perms *gossh.Permissions, alg string) (*gossh.Permissions, error) {
			p, err := verifiedKey(m, key, perms, alg)
			if err == nil {
				s.signedIn(ctx, p.Extensions[extAccount], key)
			}
			return p, err
		},
	}
	if s.cfg.Anonymous == AnonymousRead {
		cfg.NoClientAuth = true
		cfg.NoClientAuthCallback = func(m gossh.ConnMetadata) (*gossh.Permissions, error) {
			if m.User() != AnonymousUser {
				return nil, errNoneForOthers
			}
			s.signedIn(ctx, "", nil)
			return &gossh.Permissions{}, nil
		}
	}
	return cfg
}

// errNoneForOthers refuses the "none" method to users other than
// AnonymousUser, so that their client goes on to offer its keys.
var errNoneForOthers = errors.New("no key offered")

// keyboardInteractiveHandler signs in anonymous users without asking
// anything, when --anonymous read allows them.
func (s *Server) keyboardInteractiveHandler(ctx ssh.Context, _ gossh.KeyboardInteractiveChallenge) bool {
	if s.cfg.Anonymous != AnonymousRead {
		return false
	}
	s.signedIn(ctx, "", nil)
	return true
}

// errWrongKey is a login whose verified key is not the key the account
// was matched on.
var errWrongKey = errors.New("the key that signed is not the key that was offered")

// identify decides who a session is. It trusts nothing recorded during
// authentication on its own: the key the session authenticated with (the
// one whose signature was verified) must be the key the account was
// matched on, and must still belong to that account.
func (s *Server) identify(ctx context.Context, sess ssh.Session) (access.Principal, error) {
	remote := sess.RemoteAddr().String()
	key := sess.PublicKey()
	var ext map[string]string
	if p := sess.Permissions().Permissions; p != nil {
		ext = p.Extensions
	}
	if key == nil {
		if ext[extAccount] != "" {
			return access.Principal{}, errWrongKey
		}
		if s.cfg.Anonymous != AnonymousRead {
			return access.Principal{}, errAnonymousOff
		}
		return access.Anonymous(remote), nil
	}
	if ext[extKey] != gossh.FingerprintSHA256(key) {
		return access.Principal{}, errWrongKey
	}
	if ext[extAccount] == "" {
		// A key no account owned when it was offered.
		if s.cfg.Anonymous != AnonymousRead {
			return access.Principal{}, errAnonymousOff
		}
		return access.Anonymous(remote), nil
	}
	id, err := s.keys.owner(ctx, key)
	if err != nil {
		return access.Principal{}, err
	}
	if id == "" || id != ext[extAccount] {
		return access.Principal{}, errWrongKey
	}
	return access.AsAccount(id, remote), nil
}

// errAnonymousOff is a login without a known key when --anonymous none.
var errAnonymousOff = errors.New("this server admits only known keys (anonymous access is off)")
