package server

import (
	"context"
	"testing"
	"time"
)

// A session that does not end when its connection is ended (a stuck
// program, a client that stops reading) has its last words — a browser's
// terminal reset — and is then cut off.
func TestConnectionCutsOffAStuckSession(t *testing.T) {
	c := newConnState("192.0.2.1:5000", "192.0.2.1")
	closed := make(chan struct{})
	c.closeConn = func() { close(closed) }
	spoke := make(chan struct{})
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	c.add(cancel, func() { close(spoke) }) // never removed: the session is stuck
	start := time.Now()
	c.end("the server is shutting down")
	if context.Cause(ctx).Error() != "the server is shutting down" {
		t.Errorf("the session was not told why: %v", context.Cause(ctx))
	}
	select {
	case <-spoke:
	case <-time.After(endGrace + 5*time.Second):
		t.Fatal("a stuck session never had its last words")
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the connection of a stuck session was never closed")
	}
	if d := time.Since(start); d < endGrace {
		t.Errorf("cut off after %s, before the %s grace", d, endGrace)
	}
}
