// Package server serves coop over SSH: each session gets its own browser
// (a Bubble Tea program with its own size, colours, keys and theme), an
// SFTP subsystem and scp share the same store, and every caller sees only
// what its account may (backend/access). Logins and writes go to the
// audit log; connection limits keep one client from crowding out others.
//
// Identity: a key is accepted only if an account lists it, and the
// account is attached to that key's permissions; when a session starts,
// the key whose signature was verified must be that same key, still owned
// by that account. Clients with no known key sign in anonymously through
// keyboard-interactive authentication, if the server allows it.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/recover"
	"charm.land/wish/v2/scp"
	gossh "golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
)

// Anonymous access modes.
const (
	// AnonymousRead lets clients without a known key read public data.
	AnonymousRead = "read"
	// AnonymousNone refuses clients without a known key.
	AnonymousNone = "none"
)

// Defaults a Config falls back to.
const (
	DefaultListen      = "127.0.0.1:23234"
	DefaultMaxSessions = 64
	DefaultIdleTimeout = 30 * time.Minute
	DefaultMaxSession  = 12 * time.Hour
	// DefaultRate and DefaultBurst limit how fast one address opens
	// connections: a burst of 30 (a team behind one NAT starting up), then
	// 5 a second.
	DefaultRate  = 5.0
	DefaultBurst = 30
	// shutdownGrace is how long a shutdown waits for sessions to end.
	shutdownGrace = 10 * time.Second
	// maxRefusedPending bounds the connections kept open only to tell
	// the client why it is refused; past it, refused connections are
	// dropped at once.
	maxRefusedPending = 64
)

// Config configures a Server.
type Config struct {
	// Store is the backend every session shares; each session sees it
	// through its own access layer. The Server does not close it.
	Store backend.Store
	// HostKey signs the server's side of the handshake (see LoadHostKey).
	HostKey gossh.Signer
	// Anonymous is AnonymousRead (the default) or AnonymousNone.
	Anonymous string
	// Audit records logins and writes; nil records nothing.
	Audit audit.Recorder
	// MaxSessions bounds the connections open at once.
	MaxSessions int
	// Rate (connections a second) and Burst limit one address; Rate < 0
	// turns the limit off.
	Rate  float64
	Burst int
	// IdleTimeout ends a connection whose client sent nothing for this
	// long; MaxSession ends any connection after this long. Negative
	// turns either off.
	IdleTimeout time.Duration
	MaxSession  time.Duration
	// Theme is the browser theme for clients that do not choose one
	// (COOP_THEME in the client's environment does).
	Theme string
	// KeyConfig is the content of a config.toml whose [keys] rebind the
	// browser's keys; each session parses its own copy. KeyConfigName
	// names it in errors.
	KeyConfig     []byte
	KeyConfigName string
	// PageSize is the browser's list page size (0: the store's choice).
	PageSize int
	// SpoolDir holds SFTP and scp uploads until they are complete (""
	// for the system's temporary folder).
	SpoolDir string
	// Logger receives logins, session ends and refusals; nil discards
	// them. The audit log records writes whatever this is.
	Logger *slog.Logger
}

// Server is an SSH server for one store.
type Server struct {
	cfg    Config
	srv    *ssh.Server
	keys   *keyIndex
	limits *limiter
	rec    audit.Recorder
	log    *slog.Logger

	ctx    context.Context // ends at shutdown; bounds lookups
	cancel context.CancelFunc

	mu       sync.Mutex
	conns    map[*connState]struct{}
	sessions map[ssh.Session]*session
}

// New checks cfg and builds a Server; Serve starts it.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.HostKey == nil {
		return nil, errors.New("server: a store and a host key are required")
	}
	switch cfg.Anonymous {
	case "":
		cfg.Anonymous = AnonymousRead
	case AnonymousRead, AnonymousNone:
	default:
		return nil, fmt.Errorf("anonymous access must be %s or %s, not %q", AnonymousRead, AnonymousNone, cfg.Anonymous)
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.Rate == 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultBurst
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxSession == 0 {
		cfg.MaxSession = DefaultMaxSession
	}
	s := &Server{cfg: cfg, keys: newKeyIndex(cfg.Store), conns: map[*connState]struct{}{}, sessions: map[ssh.Session]*session{},
		limits: newLimiter(cfg.MaxSessions, cfg.Rate, cfg.Burst), rec: cfg.Audit}
	if s.rec == nil {
		s.rec = audit.Discard{}
	}
	s.log = cfg.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	srv, err := wish.NewServer(
		func(srv *ssh.Server) error {
			srv.Version = "coop"
			srv.AddHostKey(cfg.HostKey)
			srv.ConnCallback = s.onConnect
			srv.ConnectionFailedCallback = s.onConnectFailed
			srv.HandshakeTimeout = 30 * time.Second
			srv.ServerConfigCallback = s.serverConfig
			// Sessions only: no port forwarding, no agent, no X11.
			srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": ssh.DefaultSessionHandler}
			srv.RequestHandlers = map[string]ssh.RequestHandler{}
			srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{}
			return nil
		},
		wish.WithPublicKeyAuth(s.publicKeyHandler),
		wish.WithKeyboardInteractiveAuth(s.keyboardInteractiveHandler),
		wish.WithSubsystem("sftp", s.handleSFTP),
		// Middlewares run last to first: recover, identity, scp, the browser,
		// the rest.
		wish.WithMiddleware(s.appMiddleware, s.teaMiddleware(), scp.Middleware(scpHandler{s}, scpHandler{s}), s.scpSourceMiddleware, s.identityMiddleware,
			recover.MiddlewareWithLogger(printfLogger{s.log})),
	)
	if err != nil {
		return nil, fmt.Errorf("ssh server: %w", err)
	}
	if cfg.IdleTimeout > 0 {
		// A backstop for connections that never open a session; sessions
		// are timed more precisely, with a message, by connState.watch.
		srv.IdleTimeout = cfg.IdleTimeout + time.Minute
	}
	if cfg.MaxSession > 0 {
		srv.MaxTimeout = cfg.MaxSession + time.Minute
	}
	s.srv = srv
	return s, nil
}

// Serve accepts connections on ln until ctx ends, then shuts down
// gracefully: every session is told the server is stopping and given a
// few seconds to end. It returns nil after a shutdown that ctx asked for.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(ln) }()
	select {
	case err := <-errc:
		s.cancel()
		return fmt.Errorf("ssh server: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	s.mu.Lock()
	conns := make([]*connState, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	// Every session is told why it ends, and each connection closes once
	// its sessions have; Shutdown waits for that.
	for _, c := range conns {
		c.end("the server is shutting down")
	}
	grace, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := s.srv.Shutdown(grace)
	if err != nil {
		err = s.srv.Close()
	}
	s.cancel()
	if serveErr := <-errc; serveErr != nil && !errors.Is(serveErr, ssh.ErrServerClosed) {
		s.log.Error("serve", "err", serveErr)
	}
	if err != nil && !errors.Is(err, ssh.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// onConnect admits or refuses a new connection before its handshake. A
// refused connection still completes the handshake so that the client
// can be told why, unless too many refused ones are pending already.
func (s *Server) onConnect(ctx ssh.Context, conn net.Conn) net.Conn {
	st := newConnState(conn.RemoteAddr().String())
	if reason := s.limits.admit(conn.RemoteAddr(), time.Now()); reason != "" {
		if s.limits.refused.Add(1) > maxRefusedPending {
			s.limits.refused.Add(-1)
			s.recordLogin(st, "", audit.ResultDenied, reason)
			return nil
		}
		st.refusal = reason
	} else {
		st.admitted = true
	}
	tc := &trackedConn{Conn: conn}
	st.closeConn = func() { _ = tc.Close() }
	ctx.SetValue(connKey{}, st)
	s.mu.Lock()
	s.conns[st] = struct{}{}
	s.mu.Unlock()
	if st.admitted {
		go st.watch(ctx, s.cfg.IdleTimeout, s.cfg.MaxSession)
	} else {
		time.AfterFunc(15*time.Second, func() { _ = conn.Close() })
	}
	tc.onClose = func() {
		if st.admitted {
			s.limits.release()
		} else {
			s.limits.refused.Add(-1)
		}
		s.mu.Lock()
		delete(s.conns, st)
		s.mu.Unlock()
	}
	return tc
}

// onConnectFailed records handshakes that failed, authentication included.
func (s *Server) onConnectFailed(conn net.Conn, err error) {
	st := newConnState(conn.RemoteAddr().String())
	s.recordLogin(st, "", audit.ResultDenied, "handshake failed: "+err.Error())
}

// connKey is the context key of a connection's *connState.
type connKey struct{}

// trackedConn runs onClose once when the connection closes.
type trackedConn struct {
	net.Conn
	once    sync.Once
	onClose func()
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.onClose)
	return err
}

// recordLogin writes one login event per connection, to the audit log
// and the console.
func (s *Server) recordLogin(st *connState, actor, result, detail string) {
	st.loginOnce.Do(func() {
		if actor == "" {
			actor = "unknown"
		}
		s.rec.Record(audit.Event{Time: time.Now(), Actor: actor, Remote: st.remote,
			Action: audit.ActionLogin, Target: actor, Result: result, Detail: detail})
		if result == audit.ResultOK {
			s.log.Info("login", "account", actor, "remote", st.remote, "key", detail)
		} else {
			s.logRefused("login", st.remote, detail, "account", actor)
		}
	})
}
