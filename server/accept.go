package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
)

// refusedLinger is how long a refused connection is kept open to tell the
// client why.
const refusedLinger = 15 * time.Second

// revalidateEvery is how often signed-in connections are checked against
// the catalog: a key removed from its account (or moved to another) ends
// that connection's sessions within this.
const revalidateEvery = 2 * time.Second

// onConnect admits or refuses a new connection before its handshake (see
// limiter). A refused connection still completes the handshake so that
// the client can be told why, unless too many refused ones are pending
// already.
func (s *Server) onConnect(ctx ssh.Context, conn net.Conn) net.Conn {
	st := newConnState(conn.RemoteAddr().String(), hostOf(conn.RemoteAddr()))
	// Everything another connection's onConnect may touch (closing this
	// one to make room) is set before the limiter knows of it.
	tc := &trackedConn{Conn: conn, st: st}
	st.closeConn = func() { _ = tc.Close() }
	forget := func() {
		s.mu.Lock()
		delete(s.conns, st)
		s.mu.Unlock()
	}
	tc.onClose = func() {
		s.limits.release(st)
		if st.wasTold() {
			s.limits.refused.Add(-1)
		}
		forget()
	}
	s.mu.Lock()
	s.conns[st] = struct{}{}
	s.mu.Unlock()
	ctx.SetValue(connKey{}, st)
	reason, drop, evict := s.limits.admit(st, time.Now())
	if evict != nil {
		s.logRefused("login", evict.remote, "dropped for a newer connection: the most connections still logging in are open")
		evict.close()
	}
	if reason != "" && (drop || !s.tellRefused(st, reason)) {
		s.recordLogin(st, "", audit.ResultDenied, reason)
		forget()
		return nil
	}
	return tc
}

// tellRefused marks st refused: the handshake goes on so that its first
// session is told why, and the connection is closed after a while. It
// reports false, marking nothing, when too many refused connections are
// waiting already (the caller drops this one).
func (s *Server) tellRefused(st *connState, reason string) bool {
	if s.limits.refused.Add(1) > maxRefusedPending {
		s.limits.refused.Add(-1)
		return false
	}
	st.refuse(reason)
	st.markTold()
	time.AfterFunc(refusedLinger, st.close)
	return true
}

// onConnectFailed records handshakes that failed, authentication included.
func (s *Server) onConnectFailed(conn net.Conn, err error) {
	st := newConnState(conn.RemoteAddr().String(), hostOf(conn.RemoteAddr()))
	s.recordLogin(st, "", audit.ResultDenied, "handshake failed: "+err.Error())
}

// signedIn runs when a connection has authenticated, as account ("" for
// anonymous) with key (nil without one): it moves from logging in to a
// session slot, or is refused if there is none.
func (s *Server) signedIn(ctx ssh.Context, account string, key gossh.PublicKey) {
	st := connOf(ctx)
	if st == nil {
		return
	}
	st.signedInAs(account, key)
	if reason := s.limits.signIn(st, account == ""); reason != "" {
		if !s.tellRefused(st, reason) {
			s.recordLogin(st, "", audit.ResultDenied, reason)
			st.close()
		}
		return
	}
	go st.watch(ctx, s.cfg.IdleTimeout, s.cfg.MaxSession, s.cfg.LoginTimeout)
}

// sessionChannel opens a session channel, unless the connection has as
// many open as it may.
func (s *Server) sessionChannel(srv *ssh.Server, conn *gossh.ServerConn, newChan gossh.NewChannel, ctx ssh.Context) {
	st := connOf(ctx)
	if st == nil {
		_ = newChan.Reject(gossh.ConnectionFailed, "no connection state")
		return
	}
	if !st.takeChannel(s.cfg.MaxChannels) {
		msg := fmt.Sprintf("at most %d sessions may be open on one connection", s.cfg.MaxChannels)
		s.logRefused("session", st.remote, msg)
		_ = newChan.Reject(gossh.ResourceShortage, msg)
		return
	}
	defer st.channels.Add(-1)
	ssh.DefaultSessionHandler(srv, conn, noForwarding{newChan}, ctx)
}

// noForwarding is a session channel whose requests for agent or X11
// forwarding are refused before the session sees them (the session would
// answer yes to an agent request, though nothing is ever forwarded).
type noForwarding struct{ gossh.NewChannel }

func (n noForwarding) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := n.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	out := make(chan *gossh.Request)
	go func() {
		defer close(out)
		for r := range reqs {
			if r.Type == "auth-agent-req@openssh.com" || r.Type == "x11-req" {
				_ = r.Reply(false, nil)
				continue
			}
			out <- r
		}
	}()
	return ch, out, nil
}

// connOf is the state onConnect attached to a connection's context.
func connOf(ctx context.Context) *connState {
	st, _ := ctx.Value(connKey{}).(*connState)
	return st
}

// revalidate checks, until ctx ends, that every signed-in connection's key
// still belongs to its account, and ends those whose key does not.
// Membership changes need no check here: the access layer rereads roles
// every couple of seconds, so a removed member loses its rights within
// that.
func (s *Server) revalidate(ctx context.Context) {
	t := time.NewTicker(revalidateEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		conns := make([]*connState, 0, len(s.conns))
		for st := range s.conns {
			conns = append(conns, st)
		}
		s.mu.Unlock()
		accounts := map[string]backend.Account{}
		for _, st := range conns {
			id, key := st.identity()
			if id == "" || key == nil || st.isEnded() {
				continue
			}
			acct, ok := accounts[id]
			if !ok {
				lookup, cancel := context.WithTimeout(ctx, 10*time.Second)
				var err error
				acct, err = s.cfg.Store.FindAccount(lookup, id)
				cancel()
				if err != nil && !errors.Is(err, backend.ErrNotFound) {
					continue // the catalog may be passing trouble; try again next time
				}
				accounts[id] = acct
			}
			if acct.ID != id || !access.HasKey(acct, key) {
				reason := fmt.Sprintf("the key this connection signed in with no longer belongs to %s; signed out", id)
				s.logRefused("session", st.remote, reason, "account", id)
				st.end(reason)
			}
		}
	}
}

// connKey is the context key of a connection's *connState.
type connKey struct{}

// trackedConn runs onClose once when the connection closes, and counts
// the bytes its client sends while it logs in.
type trackedConn struct {
	net.Conn
	st      *connState
	once    sync.Once
	onClose func()
}

func (c *trackedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.st.received.Load() < 1<<20 {
		c.st.received.Add(int64(n))
	}
	return n, err
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		if c.onClose != nil {
			c.onClose()
		}
	})
	return err
}
