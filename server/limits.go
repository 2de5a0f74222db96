package server

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// limiter enforces the connection limits. A connection is first
// "logging in" (from accept to the end of authentication): those are
// bounded per address and in total, and when the total is reached one of
// them gives way to the newcomer (see oldestPending), so that slots held
// by logins that never finish cannot starve real ones. Once signed in it counts against
// the sessions: all of them (MaxSessions), anonymous ones (MaxAnonymous,
// so that accounts always find room) and anonymous ones per address.
// New connections from one address are also rate limited.
type limiter struct {
	maxSessions, maxAnonymous, maxPending, perAddress int
	rate                                              rate.Limit
	burst                                             int

	// refused counts connections kept open only to be told why they are
	// refused; past a bound they are dropped without a word.
	refused atomic.Int64

	mu        sync.Mutex
	pending   map[*connState]struct{} // logging in
	perAddr   map[string]*addrState
	signedIn  int
	anonymous int
	swept     time.Time
}

// addrState is what the limiter knows of one address.
type addrState struct {
	lim       *rate.Limiter
	seen      time.Time
	told      time.Time // when a refusal was last told why
	pending   int       // connections logging in
	anonymous int       // anonymous connections signed in
}

// toldEvery is how often an address over the rate limit is told why.
const toldEvery = 10 * time.Second

func newLimiter(cfg Config) *limiter {
	return &limiter{
		maxSessions: cfg.MaxSessions, maxAnonymous: cfg.MaxAnonymous, maxPending: cfg.MaxUnauthenticated,
		perAddress: cfg.MaxPerAddress, rate: rate.Limit(cfg.Rate), burst: cfg.Burst,
		pending: map[*connState]struct{}{}, perAddr: map[string]*addrState{},
	}
}

// admit decides whether a new connection may log in. It returns "" to
// admit it (the caller must call release when it closes), or the reason
// to give the client; drop says not to complete the handshake to tell it
// (its address has as many connections logging in as it may). evict, if
// not nil, is the oldest connection still logging in, which the caller
// closes to make room.
func (l *limiter) admit(st *connState, now time.Time) (reason string, drop bool, evict *connState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.addr(st.host, now)
	if l.rate > 0 && !a.lim.AllowN(now, 1) {
		// The first refusal in a while is told why (which costs a
		// handshake); the rest of a flood is dropped at once.
		drop := now.Sub(a.told) < toldEvery
		if !drop {
			a.told = now
		}
		return fmt.Sprintf("too many connections from %s; wait a few seconds and try again", st.host), drop, nil
	}
	if l.perAddress > 0 && a.pending >= l.perAddress {
		return fmt.Sprintf("too many connections from %s are still logging in (%d)", st.host, a.pending), true, nil
	}
	if len(l.pending) >= l.maxPending {
		evict = l.oldestPending()
		l.unpend(evict)
	}
	l.pending[st] = struct{}{}
	a.pending++
	st.phase = phasePending
	return "", false, evict
}

// signIn moves a connection that has authenticated from logging in to
// the sessions. It returns "" if there is room, or why not; either way
// the connection no longer counts as logging in.
func (l *limiter) signIn(st *connState, anonymous bool) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st.phase != phasePending {
		return "" // evicted meanwhile, or signed in already
	}
	l.unpend(st)
	a := l.addr(st.host, time.Now())
	switch {
	case l.signedIn >= l.maxSessions:
		return fmt.Sprintf("the server is busy (%d sessions open, the most it allows); try again later", l.maxSessions)
	case anonymous && l.anonymous >= l.maxAnonymous:
		return fmt.Sprintf("the server has as many anonymous sessions as it allows (%d); try again later, or sign in with a key", l.maxAnonymous)
	case anonymous && l.perAddress > 0 && a.anonymous >= l.perAddress:
		return fmt.Sprintf("too many anonymous sessions from %s (%d); sign in with a key or close one", st.host, a.anonymous)
	}
	l.signedIn++
	st.phase, st.anonymous = phaseSignedIn, anonymous
	if anonymous {
		l.anonymous++
		a.anonymous++
	}
	return ""
}

// release frees what a closed connection held.
func (l *limiter) release(st *connState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch st.phase {
	case phasePending:
		l.unpend(st)
	case phaseSignedIn:
		l.signedIn--
		if st.anonymous {
			l.anonymous--
			if a := l.perAddr[st.host]; a != nil {
				a.anonymous--
			}
		}
	}
	st.phase = phaseClosed
}

// unpend removes st from the connections logging in.
func (l *limiter) unpend(st *connState) {
	if _, ok := l.pending[st]; !ok {
		return
	}
	delete(l.pending, st)
	if a := l.perAddr[st.host]; a != nil {
		a.pending--
	}
	st.phase = phaseNone
}

// oldestPending is the connection logging in that gives way to a new
// one. First those whose client has sent nothing the server has read (no
// login in progress: a half-open connection), then those from the address
// with the most connections logging in (a crowd from one address goes
// before a lone client), then the one that has sent the fewest bytes, and
// of equals the one waiting longest.
func (l *limiter) oldestPending() *connState {
	type rank struct {
		sent    bool
		crowd   int
		bytes   int64
		waiting time.Time
	}
	before := func(a, b rank) bool {
		switch {
		case a.sent != b.sent:
			return !a.sent
		case a.crowd != b.crowd:
			return a.crowd > b.crowd
		case a.bytes != b.bytes:
			return a.bytes < b.bytes
		}
		return a.waiting.Before(b.waiting)
	}
	var old *connState
	var oldRank rank
	for st := range l.pending {
		b := st.received.Load()
		r := rank{sent: b > 0, crowd: l.perAddr[st.host].pending, bytes: b, waiting: st.accepted}
		if old == nil || before(r, oldRank) {
			old, oldRank = st, r
		}
	}
	return old
}

// addr returns host's state, forgetting idle addresses once a minute.
func (l *limiter) addr(host string, now time.Time) *addrState {
	if now.Sub(l.swept) > time.Minute {
		for h, a := range l.perAddr {
			if now.Sub(a.seen) > time.Minute && a.pending == 0 && a.anonymous == 0 {
				delete(l.perAddr, h)
			}
		}
		l.swept = now
	}
	a := l.perAddr[host]
	if a == nil {
		a = &addrState{lim: rate.NewLimiter(l.rate, l.burst)}
		l.perAddr[host] = a
	}
	a.seen = now
	return a
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
