package server

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// limiter enforces the connection limits: how many connections are open
// at once, and how fast one address may open new ones.
type limiter struct {
	max   int
	rate  rate.Limit
	burst int

	open atomic.Int64 // connections admitted and not yet closed
	// refused counts connections kept open only to be told why they are
	// refused; past a bound they are dropped without a word.
	refused atomic.Int64

	mu    sync.Mutex
	addrs map[string]*addrLimit
	swept time.Time
}

type addrLimit struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(maxConns int, perSecond float64, burst int) *limiter {
	return &limiter{max: maxConns, rate: rate.Limit(perSecond), burst: burst, addrs: map[string]*addrLimit{}}
}

// admit decides whether a new connection from addr may have a session.
// It returns "" to admit it (the caller must call release when it
// closes), or the reason to give the client.
func (l *limiter) admit(addr net.Addr, now time.Time) string {
	if !l.allowRate(hostOf(addr), now) {
		return fmt.Sprintf("too many connections from %s; wait a few seconds and try again", hostOf(addr))
	}
	if n := l.open.Add(1); n > int64(l.max) {
		l.open.Add(-1)
		return fmt.Sprintf("the server is busy (%d sessions open, the most it allows); try again later", l.max)
	}
	return ""
}

// release frees the place of an admitted connection.
func (l *limiter) release() { l.open.Add(-1) }

// allowRate takes a token from addr's bucket.
func (l *limiter) allowRate(host string, now time.Time) bool {
	if l.rate <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for h, a := range l.addrs {
			if now.Sub(a.seen) > time.Minute {
				delete(l.addrs, h)
			}
		}
		l.swept = now
	}
	a := l.addrs[host]
	if a == nil {
		a = &addrLimit{lim: rate.NewLimiter(l.rate, l.burst)}
		l.addrs[host] = a
	}
	a.seen = now
	return a.lim.AllowN(now, 1)
}

func hostOf(addr net.Addr) string {
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return tcp.IP.String()
	}
	h, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	return h
}

// connState is what the server knows of one SSH connection: why it is
// refused (if it is), and when it last did something on purpose. It lives
// in the connection's context.
type connState struct {
	remote   string
	refusal  string // set at accept time: the connection gets no session
	admitted bool

	loginOnce sync.Once

	last atomic.Int64 // unix nanoseconds of the last input from the client

	mu       sync.Mutex
	ended    string // why the server ended the connection, once it has
	sessions map[*sessionEnd]struct{}
	// closeConn closes the network connection; set by the server.
	closeConn func()
}

// sessionEnd lets the connection end one of its sessions with a reason.
type sessionEnd struct{ cancel context.CancelCauseFunc }

func newConnState(remote string) *connState {
	c := &connState{remote: remote, sessions: map[*sessionEnd]struct{}{}}
	c.touch()
	return c
}

// touch records input from the client.
func (c *connState) touch() { c.last.Store(time.Now().UnixNano()) }

// idleFor is how long the client has sent nothing.
func (c *connState) idleFor(now time.Time) time.Duration {
	return now.Sub(time.Unix(0, c.last.Load()))
}

// add registers a session; its context is cancelled with the reason when
// the connection is ended.
func (c *connState) add(cancel context.CancelCauseFunc) (remove func()) {
	e := &sessionEnd{cancel: cancel}
	c.mu.Lock()
	if c.ended != "" {
		reason := c.ended
		c.mu.Unlock()
		cancel(endedError(reason))
		return func() {}
	}
	c.sessions[e] = struct{}{}
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		delete(c.sessions, e)
		last := c.ended != "" && len(c.sessions) == 0
		c.mu.Unlock()
		if last {
			c.close() // its sessions have said why; now hang up
		}
	}
}

// close closes the network connection.
func (c *connState) close() {
	if c.closeConn != nil {
		c.closeConn()
	}
}

// end ends every session of the connection with reason.
func (c *connState) end(reason string) {
	c.mu.Lock()
	if c.ended == "" {
		c.ended = reason
	}
	ends := make([]*sessionEnd, 0, len(c.sessions))
	for e := range c.sessions {
		ends = append(ends, e)
	}
	reason = c.ended
	c.mu.Unlock()
	for _, e := range ends {
		e.cancel(endedError(reason))
	}
	if len(ends) == 0 {
		c.close()
		return
	}
	// Sessions close the connection when the last one has told its client
	// why; one that cannot (a stuck write) is cut off after a grace.
	time.AfterFunc(endGrace, c.close)
}

// endGrace is how long an ended connection's sessions have to say why.
const endGrace = 5 * time.Second

// endedError is the cause of a session the server ended; its text is what
// the client is told.
type endedError string

func (e endedError) Error() string { return string(e) }

// watch ends the connection when it has been idle for idle, or open for
// longest; it returns when ctx ends.
func (c *connState) watch(ctx context.Context, idle, longest time.Duration) {
	start := time.Now()
	tick := 30 * time.Second
	for _, d := range []time.Duration{idle, longest} {
		if d > 0 {
			tick = min(tick, d/4)
		}
	}
	tick = max(tick, 20*time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			switch {
			case longest > 0 && now.Sub(start) >= longest:
				c.end(fmt.Sprintf("sessions last at most %s; this one has ended", longest))
				return
			case idle > 0 && c.idleFor(now) >= idle:
				c.end(fmt.Sprintf("no input for %s; disconnected", idle))
				return
			}
		}
	}
}
