package server

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Where a connection is in its life, for the limiter.
const (
	phaseNone     = iota // not counted (refused, or evicted)
	phasePending         // logging in
	phaseSignedIn        // authenticated, holding a session slot
	phaseClosed
)

// connState is what the server knows of one SSH connection: why it is
// refused (if it is), who signed in, how many channels it has open, and
// when it last did something on purpose. It lives in the connection's
// context.
type connState struct {
	remote   string
	host     string
	accepted time.Time

	// Guarded by the limiter's lock.
	phase     int
	anonymous bool

	loginOnce sync.Once

	last     atomic.Int64 // unix nanoseconds of the last input from the client
	channels atomic.Int64 // session channels open
	received atomic.Int64 // bytes read from the client (to the end of the login)

	mu       sync.Mutex
	refusal  string // why the connection gets no session, if it does not
	account  string // the account signed in, "" for anonymous
	key      gossh.PublicKey
	ended    string // why the server ended the connection, once it has
	sessions map[*sessionEnd]struct{}
	began    bool // a session has started
	told     bool // counted among the refused connections kept to be told why
	// closeConn closes the network connection; set by the server.
	closeConn func()
}

// sessionEnd lets the connection end one of its sessions with a reason,
// and have a last word with it before cutting it off.
type sessionEnd struct {
	cancel    context.CancelCauseFunc
	lastWords func()
}

func newConnState(remote, host string) *connState {
	c := &connState{remote: remote, host: host, accepted: time.Now(), sessions: map[*sessionEnd]struct{}{}}
	c.touch()
	return c
}

// touch records input from the client.
func (c *connState) touch() { c.last.Store(time.Now().UnixNano()) }

// idleFor is how long the client has sent nothing.
func (c *connState) idleFor(now time.Time) time.Duration {
	return now.Sub(time.Unix(0, c.last.Load()))
}

// refuse marks the connection refused with reason (the first one stays).
func (c *connState) refuse(reason string) {
	c.mu.Lock()
	if c.refusal == "" {
		c.refusal = reason
	}
	c.mu.Unlock()
}

// refused is why the connection gets no session, or "".
func (c *connState) refused() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refusal
}

// markTold and wasTold record that the connection is kept open only to
// tell the client why it is refused.
func (c *connState) markTold() {
	c.mu.Lock()
	c.told = true
	c.mu.Unlock()
}

func (c *connState) wasTold() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.told
}

// isEnded reports whether the server has ended the connection.
func (c *connState) isEnded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended != ""
}

// signedInAs records who authenticated; key is nil for anonymous logins.
func (c *connState) signedInAs(account string, key gossh.PublicKey) {
	c.mu.Lock()
	c.account, c.key = account, key
	c.mu.Unlock()
}

// identity is the account and key the connection signed in with.
func (c *connState) identity() (string, gossh.PublicKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.account, c.key
}

// takeChannel counts a new session channel, unless max are open.
func (c *connState) takeChannel(maxChannels int) bool {
	if c.channels.Add(1) > int64(maxChannels) {
		c.channels.Add(-1)
		return false
	}
	return true
}

// add registers a session; its context is cancelled with the reason when
// the connection is ended, and lastWords (if not nil) runs before it is
// cut off for not ending in time.
func (c *connState) add(cancel context.CancelCauseFunc, lastWords func()) (remove func()) {
	e := &sessionEnd{cancel: cancel, lastWords: lastWords}
	c.mu.Lock()
	c.began = true
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
	time.AfterFunc(endGrace, c.cutOff)
}

// cutOff closes the connection after each session still open has had its
// last words (at most a second for all of them).
func (c *connState) cutOff() {
	c.mu.Lock()
	var words []func()
	for e := range c.sessions {
		if e.lastWords != nil {
			words = append(words, e.lastWords)
		}
	}
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, w := range words {
		wg.Go(w)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
	}
	c.close()
}

// endGrace is how long an ended connection's sessions have to say why.
const endGrace = 5 * time.Second

// endedError is the cause of a session the server ended; its text is what
// the client is told.
type endedError string

func (e endedError) Error() string { return string(e) }

// watch ends the connection when it has been idle for idle, open for
// longest, or signed in for firstSession without opening a session; it
// returns when ctx ends.
func (c *connState) watch(ctx context.Context, idle, longest, firstSession time.Duration) {
	start := time.Now()
	tick := 30 * time.Second
	for _, d := range []time.Duration{idle, longest, firstSession} {
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
			c.mu.Lock()
			began := c.began
			c.mu.Unlock()
			switch {
			case longest > 0 && now.Sub(start) >= longest:
				c.end(fmt.Sprintf("sessions last at most %s; this one has ended", longest))
				return
			case idle > 0 && c.idleFor(now) >= idle:
				c.end(fmt.Sprintf("no input for %s; disconnected", idle))
				return
			case firstSession > 0 && !began && now.Sub(start) >= firstSession:
				c.end(fmt.Sprintf("no session opened within %s of signing in; disconnected", firstSession))
				return
			}
		}
	}
}
