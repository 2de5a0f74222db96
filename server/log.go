package server

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// The server's console log: one structured line per login, refusal and
// session end (the audit log keeps the writes). Every value is passed as
// an attribute, so slog's handlers quote and escape what a client chose
// (key comments, commands, paths).

// logRefused records a connection, login or request the server refused.
func (s *Server) logRefused(what, remote, reason string, attrs ...any) {
	s.log.Warn("refused "+what, append([]any{"remote", remote, "reason", reason}, attrs...)...)
}

// logSessionEnd records the end of one session.
func (s *Server) logSessionEnd(se *session) {
	attrs := []any{"account", se.who.Actor(), "remote", se.conn.remote, "kind", se.kind,
		"duration", time.Since(se.started).Round(time.Millisecond)}
	if se.kind == "command" {
		attrs = append(attrs, "command", strings.Join(se.sess.Command(), " "))
	}
	if reason := se.ended(); reason != "" {
		attrs = append(attrs, "ended_by_server", reason)
	}
	s.log.Info("session end", attrs...)
}

// printfLogger lets slog serve as wish's recover middleware logger.
type printfLogger struct{ l *slog.Logger }

func (p printfLogger) Printf(format string, args ...any) {
	p.l.Error("panic in a session", "detail", fmt.Sprintf(format, args...))
}
