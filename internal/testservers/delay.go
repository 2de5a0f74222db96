package testservers

import (
	"fmt"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// delayLink is a TCP proxy that holds every chunk of bytes for a one-way
// delay in each direction, as a long network path does: a chunk read at
// time t is written at t + delay whatever came before it, so a round
// trip costs two delays and a large transfer is slowed by one delay, not
// by one per chunk (bandwidth is not limited). A new connection's first
// bytes wait one round trip more, as TCP's handshake makes them.
type delayLink struct {
	ln     net.Listener
	target string
	delay  atomic.Int64 // one-way, in nanoseconds
	opened atomic.Int64 // connections accepted

	// sent holds, by the address the link dials from, each
	// connection's *connTimes (see firstSent).
	sent sync.Map

	// bufs holds delayChunkSize read buffers: a large transfer's chunks
	// are read into them and written from them, not copied and
	// allocated one by one, so the link's own CPU (which shares the
	// machine with the client and server it times) stays small.
	bufs sync.Pool

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// DelayProxy is the network path alone, without FaultProxy's HTTP layer:
// a TCP proxy in front of a server that holds every chunk of bytes for a
// one-way delay each way (see SetDelay). It parses, counts and injects
// nothing, so it costs the machine little CPU beside the client and the
// server it times: the benchmarks' distant network, where a real one
// costs the client's machine no CPU at all.
type DelayProxy struct {
	// URL is the proxy's base URL; point clients here.
	URL  string
	link *delayLink
}

// NewDelayProxy starts a proxy on a free 127.0.0.1 port in front of
// target (an http:// URL), with no delay until SetDelay.
func NewDelayProxy(target string) (*DelayProxy, error) {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("delay proxy: target %q is not a URL with a host", target)
	}
	link, err := newDelayLink(u.Host)
	if err != nil {
		return nil, fmt.Errorf("delay proxy: %w", err)
	}
	return &DelayProxy{URL: "http://" + link.addr(), link: link}, nil
}

// SetDelay sets the one-way delay d of bytes sent from now on, as
// FaultProxy.SetDelay does.
func (p *DelayProxy) SetDelay(d time.Duration) { p.link.setDelay(d) }

// Connections returns how many connections clients have opened to the
// proxy.
func (p *DelayProxy) Connections() int { return int(p.link.opened.Load()) }

// Close stops the proxy and cuts its connections.
func (p *DelayProxy) Close() error {
	p.link.close()
	return nil
}

// delayChunks bounds what one direction of a connection holds in flight:
// delayChunks reads of at most delayChunkSize bytes (64 MiB), enough for
// 640 MiB/s per connection at 100 ms; reads that large cost the proxy
// ≈ 15 % less CPU per GiB than reads of 64 KiB. A read of at most
// smallChunk bytes (a request, a small body) is copied out, so that a
// pooled buffer held for the delay is at least a quarter full.
const (
	delayChunks    = 256
	delayChunkSize = 256 << 10
	smallChunk     = delayChunkSize / 4
)

// newDelayLink listens on a free 127.0.0.1 port and forwards each
// connection to target (host:port), with no delay until setDelay.
func newDelayLink(target string) (*delayLink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &delayLink{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	l.bufs.New = func() any { b := make([]byte, delayChunkSize); return &b }
	l.wg.Add(1)
	go l.serve()
	return l, nil
}

// addr is the address clients connect to.
func (l *delayLink) addr() string { return l.ln.Addr().String() }

// setDelay sets the one-way delay of bytes sent from now on.
func (l *delayLink) setDelay(d time.Duration) { l.delay.Store(int64(d)) }

// close stops accepting and cuts every connection.
func (l *delayLink) close() {
	l.mu.Lock()
	l.closed = true
	for c := range l.conns {
		_ = c.Close()
	}
	l.mu.Unlock()
	_ = l.ln.Close()
	l.wg.Wait()
}

// track records c as open (false once the link is closed).
func (l *delayLink) track(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.conns[c] = struct{}{}
	return true
}

func (l *delayLink) untrack(cs ...net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range cs {
		delete(l.conns, c)
		_ = c.Close()
	}
}

func (l *delayLink) serve() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.opened.Add(1)
		l.wg.Add(1)
		go l.handle(c)
	}
}

// handle forwards one connection both ways until both sides are done.
func (l *delayLink) handle(client net.Conn) {
	defer l.wg.Done()
	accepted := time.Now()
	if !l.track(client) {
		_ = client.Close()
		return
	}
	server, err := net.Dial("tcp", l.target)
	if err != nil || !l.track(server) {
		if server != nil {
			_ = server.Close()
		}
		l.untrack(client)
		return
	}
	// The handshake: SYN and SYN-ACK cost a round trip before the
	// client's first bytes leave, which then take the one-way delay.
	first := accepted.Add(3 * time.Duration(l.delay.Load()))
	key := server.LocalAddr().String()
	times := &connTimes{accepted: accepted}
	l.sent.Store(key, times)
	defer l.sent.Delete(key)
	var both sync.WaitGroup
	both.Add(2)
	go func() { defer both.Done(); l.pipe(server, client, first, &times.first) }()
	go func() { defer both.Done(); l.pipe(client, server, time.Time{}, nil) }()
	both.Wait()
	l.untrack(client, server)
}

// connTimes is when a connection was accepted and when its client sent
// its first bytes (Unix nanoseconds, 0 until then).
type connTimes struct {
	accepted time.Time
	first    atomic.Int64
}

// firstSent returns when the client sent the first bytes of the
// connection the link dialed from addr (the proxy sees it as the remote
// address), if it has, and how long they waited for the handshake: the
// first request on a connection opened just before it waits for the
// handshake's round trip, so its arrival does not tell when it was sent;
// one sent on a connection opened ahead (warmed up) waits for nothing.
func (l *delayLink) firstSent(addr string) (at time.Time, handshake time.Duration, ok bool) {
	v, ok := l.sent.Load(addr)
	if !ok {
		return time.Time{}, 0, false
	}
	t := v.(*connTimes)
	ns := t.first.Load()
	if ns == 0 {
		return time.Time{}, 0, false
	}
	at = time.Unix(0, ns)
	ready := t.accepted.Add(2 * time.Duration(l.delay.Load()))
	return at, max(0, ready.Sub(at)), true
}

// chunk is bytes read from one side, to be written to the other at due;
// a nil b is the end of the stream. buf, if set, is the pooled buffer b
// lies in, to be given back once b is written.
type chunk struct {
	due time.Time
	b   []byte
	buf *[]byte
}

// pipe copies src to dst, each chunk written at its arrival plus the
// delay (and not before notBefore): a reader queues chunks as they come,
// a writer sleeps until each is due. At src's end dst's write side is
// closed; if dst fails, both are closed.
func (l *delayLink) pipe(dst, src net.Conn, notBefore time.Time, firstRead *atomic.Int64) {
	ch := make(chan chunk, delayChunks)
	go func() {
		defer close(ch)
		buf := l.bufs.Get().(*[]byte)
		defer func() { l.bufs.Put(buf) }()
		for {
			n, err := src.Read(*buf)
			now := time.Now()
			if firstRead != nil && n > 0 {
				firstRead.CompareAndSwap(0, now.UnixNano())
			}
			due := now.Add(time.Duration(l.delay.Load()))
			if due.Before(notBefore) {
				due = notBefore
			}
			switch {
			case n > smallChunk:
				ch <- chunk{due: due, b: (*buf)[:n], buf: buf}
				buf = l.bufs.Get().(*[]byte)
			case n > 0:
				ch <- chunk{due: due, b: append([]byte(nil), (*buf)[:n]...)}
			}
			if err != nil {
				ch <- chunk{due: due}
				return
			}
		}
	}()
	failed := false
	for c := range ch {
		if !failed {
			if d := time.Until(c.due); d > 0 {
				time.Sleep(d)
			}
			failed = forward(dst, src, c.b)
		}
		if c.buf != nil {
			l.bufs.Put(c.buf)
		}
	}
}

// forward writes b to dst, or closes dst's write side for a nil b (the
// end of src); it reports whether dst failed, having then closed both.
func forward(dst, src net.Conn, b []byte) (failed bool) {
	if b == nil {
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		return false
	}
	if _, err := dst.Write(b); err != nil {
		_ = src.Close()
		_ = dst.Close()
		return true
	}
	return false
}
