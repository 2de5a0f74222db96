package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2/scp"
	gossh "golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend/access"
	"github.com/coopterm/coop/internal/safe"
)

// session is one SSH session (a browser, an SFTP subsystem or an scp run)
// with the identity and the access-controlled store it acts through.
type session struct {
	sess  ssh.Session
	who   access.Principal
	store *access.Store
	conn  *connState
	ctx   context.Context
	done  func()
	// kind says what the session is for (browser, sftp, scp, whoami,
	// command) and started when it began, for the console log.
	kind    string
	started time.Time
	// code is the exit status the session ends with.
	code int
	// browsed is set once the browser ran in this session (it is read by
	// the connection's cut-off timer); skipped once scp left out a file
	// it cannot send.
	browsed atomic.Bool
	skipped bool
	// handles and spool bound the SFTP handles and the bytes of
	// unfinished uploads the session holds.
	handles, spool *budget
	// files is the session's file tree, made on first use by scp.
	files *vfs
}

// vfs is the session's file tree for scp, with its own transfer queue,
// closed (metadata written) when the session ends.
func (se *session) vfs(spoolDir string) *vfs {
	if se.files == nil {
		w := newWriter(se.store, spoolDir, se.spool)
		se.files = newVFS(se.store, w)
		done := se.done
		se.done = func() {
			_ = w.Close()
			done()
		}
	}
	return se.files
}

// begin decides who the session is and whether it may run at all. On
// refusal it tells the client why, on stderr, ends the session with exit
// status 1, and returns nil.
func (s *Server) begin(sess ssh.Session, kind string) *session {
	st := connOf(sess.Context())
	if st == nil {
		st = newConnState(sess.RemoteAddr().String(), hostOf(sess.RemoteAddr()))
	}
	if reason := st.refused(); reason != "" {
		s.recordLogin(st, "", audit.ResultDenied, reason)
		s.refuse(sess, reason)
		return nil
	}
	ctx, cancel := context.WithCancelCause(sess.Context())
	who, err := s.identify(ctx, sess)
	if err != nil {
		cancel(err)
		actor := ""
		if sess.PublicKey() != nil {
			actor = "key " + access.Fingerprint(string(gossh.MarshalAuthorizedKey(sess.PublicKey())))
		}
		s.recordLogin(st, actor, audit.ResultDenied, err.Error())
		s.refuse(sess, "login refused: "+err.Error())
		return nil
	}
	detail := "anonymous"
	if k := sess.PublicKey(); k != nil {
		detail = access.Fingerprint(string(gossh.MarshalAuthorizedKey(k)))
	}
	s.recordLogin(st, who.Actor(), audit.ResultOK, detail)
	label := "ssh · " + who.Actor()
	if who.Kind == access.KindAnonymous {
		label = "ssh · anonymous (read-only)"
	}
	store := access.New(s.cfg.Store, who, access.WithAudit(s.rec), access.WithLocation(label))
	se := &session{sess: sess, who: who, store: store, conn: st, ctx: ctx, kind: kind, started: time.Now(),
		handles: newBudget(int64(s.cfg.MaxHandles)), spool: newBudget(s.cfg.MaxSpool)}
	remove := st.add(cancel, se.lastWords)
	st.touch()
	se.done = func() {
		remove()
		cancel(nil)
	}
	return se
}

// lastWords is said to a session the server cuts off because it did not
// end in time after being told to (a stuck program, a client that does
// not read): a browser's terminal is reset all the same, so the client is
// never left on the alternate screen.
func (se *session) lastWords() {
	if se.browsed.Load() {
		_, _ = io.WriteString(se.sess, resetTerminal)
	}
}

// refuse tells the client why it gets no session and ends it.
func (s *Server) refuse(sess ssh.Session, reason string) {
	fmt.Fprintf(sess.Stderr(), "coop: %s\r\n", safe.Text(reason))
	_ = sess.Exit(1)
}

// ended reports why the server ended the session, if it did.
func (se *session) ended() string {
	var e endedError
	if errors.As(context.Cause(se.ctx), &e) {
		return string(e)
	}
	return ""
}

// finish ends the session with status code, first telling the client why
// the server ended it, if it did.
func (se *session) finish(code int) {
	if reason := se.ended(); reason != "" {
		fmt.Fprintf(se.sess.Stderr(), "\r\ncoop: %s\r\n", safe.Text(reason))
		code = 1
	}
	_ = se.sess.Exit(code)
	se.done()
}

// kindOf names what a session without a subsystem is for.
func kindOf(sess ssh.Session) string {
	cmd := sess.Command()
	_, _, hasPty := sess.Pty()
	switch {
	case scp.GetInfo(cmd).Ok:
		return "scp"
	case len(cmd) == 1 && cmd[0] == "whoami":
		return "whoami"
	case hasPty && len(cmd) <= 1:
		return "browser"
	}
	return "command"
}

// identityMiddleware decides who the session is (see begin), keeps the
// session for the handlers after it, and ends it with their status.
func (s *Server) identityMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		se := s.begin(sess, kindOf(sess))
		if se == nil {
			return
		}
		s.mu.Lock()
		s.sessions[sess] = se
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			delete(s.sessions, sess)
			s.mu.Unlock()
			// Logged first: once the session is finished its connection
			// may close, and a shutting-down server may exit.
			s.logSessionEnd(se)
			se.finish(se.code)
		}()
		next(sess)
	}
}

// sessionOf is the session identityMiddleware made for sess.
func (s *Server) sessionOf(sess ssh.Session) *session {
	if w, ok := sess.(interface{ unwrap() ssh.Session }); ok {
		sess = w.unwrap()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[sess]
}

// appMiddleware serves what scp and the browser did not: "whoami", or a
// short explanation. After the browser it makes sure the client's
// terminal is left as it was (see resetTerminal).
func (s *Server) appMiddleware(ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		se := s.sessionOf(sess)
		if se == nil {
			return
		}
		cmd := sess.Command()
		_, _, hasPty := sess.Pty()
		switch {
		case se.browsed.Load():
			_, _ = io.WriteString(sess, resetTerminal)
		case len(cmd) == 1 && cmd[0] == "whoami":
			fmt.Fprintf(sess, "%s\n", se.who.Actor())
		case len(cmd) == 1 && !hasPty && !strings.HasPrefix(cmd[0], "-"):
			fmt.Fprintf(sess.Stderr(), "coop: the browser needs a terminal: ssh -t … %s\r\n", safe.Text(cmd[0]))
			se.code = 1
		case len(cmd) > 0:
			fmt.Fprintf(sess.Stderr(), "coop: unknown command %q; this server offers the browser (ssh -t), sftp, scp and whoami\r\n",
				safe.Text(strings.Join(cmd, " ")))
			se.code = 1
		default:
			fmt.Fprintf(sess.Stderr(), "coop: the browser needs a terminal; connect with ssh -t, or use sftp or scp for files\r\n")
			se.code = 1
		}
	}
}

// auditRefusal records a write the session was refused, for the requests
// the access layer does not see (mkdir inside a repository, rename,
// setstat).
func (s *Server) auditRefusal(se *session, action, target string, err error) {
	if err == nil {
		return
	}
	s.rec.Record(audit.Event{Time: time.Now(), Actor: se.who.Actor(), Remote: se.who.Remote, Action: action,
		Target: strings.TrimPrefix(target, "/"), Result: access.Result(err), Error: err.Error()})
}

// activity is an io.Reader that marks the connection active on every read
// that brings input from the client.
type activity struct {
	r    io.Reader
	conn *connState
}

func (a activity) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.conn.touch()
	}
	return n, err
}
