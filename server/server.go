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
	"runtime"
	"sync"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/recover"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/tui"
)

// Server is an SSH server for one store.
type Server struct {
	cfg    Config
	srv    *ssh.Server
	keys   *keyIndex
	limits *limiter
	// files counts the SFTP handles open across the server, readBuffers
	// the memory of streamed reads' windows.
	files, readBuffers *budget
	// previews bounds the content previews drawn at once across the
	// sessions, so that they leave CPU for everyone's keys.
	previews tui.Workers
	rec      audit.Recorder
	log      *slog.Logger

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
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, keys: newKeyIndex(cfg.Store), conns: map[*connState]struct{}{}, sessions: map[ssh.Session]*session{},
		previews: tui.NewWorkers(max(1, runtime.GOMAXPROCS(0)/2)),
		limits:   newLimiter(cfg), rec: cfg.Audit, log: cfg.Logger, files: newBudget(int64(cfg.MaxOpenFiles)), readBuffers: newBudget(cfg.MaxReadBuffers)}
	if s.rec == nil {
		s.rec = audit.Discard{}
	}
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
			srv.HandshakeTimeout = cfg.LoginTimeout
			srv.ServerConfigCallback = s.serverConfig
			// Sessions only: no port forwarding, no agent, no X11.
			srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": s.sessionChannel}
			srv.RequestHandlers = map[string]ssh.RequestHandler{}
			srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{}
			return nil
		},
		wish.WithPublicKeyAuth(s.publicKeyHandler),
		wish.WithKeyboardInteractiveAuth(s.keyboardInteractiveHandler),
		wish.WithSubsystem("sftp", s.handleSFTP),
		// Middlewares run last to first: recover, identity, scp, the browser,
		// the rest.
		wish.WithMiddleware(s.appMiddleware, s.teaMiddleware(), s.scpMiddleware(), s.scpSourceMiddleware, s.identityMiddleware,
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

// loopListener is the listener the ssh server's accept loop takes,
// which says when that loop has begun: its first Accept.
type loopListener struct {
	net.Listener
	once  sync.Once
	begun chan struct{}
}

func (l *loopListener) Accept() (net.Conn, error) {
	l.once.Do(func() { close(l.begun) })
	return l.Listener.Accept()
}

// Serve accepts connections on ln until ctx ends, then shuts down
// gracefully: every session is told the server is stopping and given a
// few seconds to end. It returns nil after a shutdown that ctx asked for.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	loop := &loopListener{Listener: ln, begun: make(chan struct{})}
	go func() { errc <- s.srv.Serve(loop) }()
	go s.revalidate(s.ctx)
	select {
	case err := <-errc:
		s.cancel()
		return fmt.Errorf("ssh server: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	// The listener is closed here, not left to the ssh server: a Shutdown
	// that comes before its accept loop has begun is forgotten when the
	// loop starts, which would then accept forever.
	_ = ln.Close()
	// Nor may the ssh server's Shutdown come before that loop has tracked
	// the listener: it waits on a WaitGroup the loop adds to then (a data
	// race). The loop's first Accept says it has begun; the listener
	// closed, that Accept fails at once and the loop ends.
	var serveErr error
	served := false
	select {
	case <-loop.begun:
	case serveErr = <-errc:
		served = true
	}
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
	if !served {
		serveErr = <-errc
	}
	if serveErr != nil && !errors.Is(serveErr, ssh.ErrServerClosed) && !errors.Is(serveErr, net.ErrClosed) {
		s.log.Error("serve", "err", serveErr)
	}
	if err != nil && !errors.Is(err, ssh.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
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
