package testservers

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Fault is one kind of failure a FaultProxy injects.
type Fault struct {
	// Op limits the fault to one S3 operation (as Operation names it);
	// empty matches every request.
	Op string
	// Status answers with this HTTP status (500, 503…) and an S3 error
	// body, without forwarding the request. 503 comes as SlowDown.
	Status int
	// Drop closes the connection without an answer, before forwarding.
	Drop bool
	// DropAfter forwards the request, so the server acts on it, then
	// closes the connection without passing the answer on.
	DropAfter bool
	// KeyErrors answers a DeleteObjects request itself, without
	// forwarding it, with this error code for every key in it: a batch
	// delete whose keys all failed one by one.
	KeyErrors string
	// Every injects on every Every-th matching request (0 or 1: each).
	Every int
	// Times stops injecting after this many faults (0: no limit).
	Times int
	// After, if set, runs once the server has answered the request and
	// before the answer is passed on: another client acting in between
	// two requests of the client under test.
	After func()
}

// FaultProxy is an HTTP proxy in front of an S3 server (or DynamoDB)
// that injects faults, slows transfers down, adds network latency and
// counts requests by operation: the failing, distant network coop must
// survive, made on demand. Requests keep their Host header, so SigV4
// signatures made for the proxy's address verify.
type FaultProxy struct {
	// URL is the proxy's base URL; point clients here.
	URL string

	target *url.URL
	srv    *http.Server
	ln     net.Listener
	tr     *http.Transport
	link   *delayLink // between clients and srv: the latency
	trace  atomic.Pointer[Trace]

	mu       sync.Mutex
	faults   []Fault
	seen     []int // matching requests seen, per fault
	injected []int
	counts   map[string]int
	bytes    map[string]int64 // answer body bytes passed on, by operation
	suffixes map[string]int   // requests whose path ends with a watched suffix
	rate     int64            // bytes per second each way per request; 0 = unlimited
}

// NewFaultProxy starts a proxy on a free 127.0.0.1 port in front of target.
func NewFaultProxy(target string) (*FaultProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("fault proxy target %q: %w", target, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fault proxy: %w", err)
	}
	link, err := newDelayLink(ln.Addr().String())
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("fault proxy: %w", err)
	}
	p := &FaultProxy{
		URL: "http://" + link.addr(), target: u, ln: ln, link: link, counts: map[string]int{}, bytes: map[string]int64{}, suffixes: map[string]int{},
		tr: &http.Transport{MaxIdleConnsPerHost: 1024, DisableCompression: true},
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, &connInfo{from: c.RemoteAddr().String()})
		}}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// SetDelay makes the network between the clients and the proxy as long
// as a path of one-way delay d (a round trip of 2d) from now on: each
// chunk of bytes, either way, is passed on d after it arrived, however
// many are in flight, so bandwidth is not limited; a new connection costs
// a round trip more, for the handshake. 0 removes the delay.
func (p *FaultProxy) SetDelay(d time.Duration) { p.link.setDelay(d) }

// Connections returns how many connections clients have opened to the
// proxy.
func (p *FaultProxy) Connections() int { return int(p.link.opened.Load()) }

// SetTrace records every request from now on in t (nil stops).
func (p *FaultProxy) SetTrace(t *Trace) { p.trace.Store(t) }

// StartFaultProxy starts a proxy for one test and stops it at cleanup.
func StartFaultProxy(tb testing.TB, target string) *FaultProxy {
	tb.Helper()
	p, err := NewFaultProxy(target)
	if err != nil {
		tb.Fatalf("testservers: %v", err)
	}
	tb.Cleanup(func() { _ = p.Close() })
	return p
}

// Close stops the proxy.
func (p *FaultProxy) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := p.srv.Shutdown(ctx)
	p.link.close()
	p.tr.CloseIdleConnections()
	if errors.Is(err, context.DeadlineExceeded) {
		return p.srv.Close()
	}
	return err
}

// SetFaults replaces the faults injected from now on.
func (p *FaultProxy) SetFaults(faults ...Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = faults
	p.seen = make([]int, len(faults))
	p.injected = make([]int, len(faults))
}

// Injected reports how many faults have been injected since SetFaults.
func (p *FaultProxy) Injected() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, i := range p.injected {
		n += i
	}
	return n
}

// SetRate limits each request's body and each answer's body to
// bytesPerSec (0 removes the limit).
func (p *FaultProxy) SetRate(bytesPerSec int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rate = bytesPerSec
}

// Count returns how many requests of an operation the proxy has seen.
func (p *FaultProxy) Count(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[op]
}

// Counts returns a copy of the request counts by operation.
func (p *FaultProxy) Counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.counts))
	for k, v := range p.counts {
		out[k] = v
	}
	return out
}

// Bytes returns how many bytes of answer bodies the proxy has passed on
// for an operation ("GetObject"): what a client fetched.
func (p *FaultProxy) Bytes(op string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bytes[op]
}

// WatchSuffix starts counting the requests of operation op whose path
// ends with suffix (such as PUTs of ".source-metadata.json"); CountSuffix
// reads the count.
func (p *FaultProxy) WatchSuffix(op, suffix string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.suffixes[op+" "+suffix] = 0
}

// CountSuffix returns how many requests of op ended with suffix since
// WatchSuffix.
func (p *FaultProxy) CountSuffix(op, suffix string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.suffixes[op+" "+suffix]
}

// Operation names the S3 operation of a path-style request, or the
// DynamoDB operation of a request that names its target ("GetItem").
func Operation(r *http.Request) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		_, op, _ := strings.Cut(t, ".")
		return op
	}
	q := r.URL.Query()
	hasKey := strings.Contains(strings.TrimPrefix(r.URL.Path, "/"), "/")
	_, uploads := q["uploads"]
	_, del := q["delete"]
	switch r.Method {
	case http.MethodPost:
		switch {
		case del:
			return "DeleteObjects"
		case uploads:
			return "CreateMultipartUpload"
		case q.Get("uploadId") != "":
			return "CompleteMultipartUpload"
		}
	case http.MethodPut:
		switch {
		case hasKey && r.Header.Get("X-Amz-Copy-Source") != "" && q.Get("partNumber") == "":
			return "CopyObject"
		case q.Get("partNumber") != "":
			return "UploadPart"
		case hasKey:
			return "PutObject"
		default:
			return "CreateBucket"
		}
	case http.MethodGet:
		switch {
		case uploads:
			return "ListMultipartUploads"
		case hasKey && q.Get("uploadId") != "":
			return "ListParts"
		case hasKey:
			return "GetObject"
		default:
			return "ListObjects"
		}
	case http.MethodHead:
		if hasKey {
			return "HeadObject"
		}
		return "HeadBucket"
	case http.MethodDelete:
		switch {
		case q.Get("uploadId") != "":
			return "AbortMultipartUpload"
		case hasKey:
			return "DeleteObject"
		default:
			return "DeleteBucket"
		}
	}
	return r.Method
}

// pick counts the request and returns the fault to inject, if any.
func (p *FaultProxy) pick(op, path string) (Fault, int64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts[op]++
	for k := range p.suffixes {
		if o, suffix, _ := strings.Cut(k, " "); o == op && strings.HasSuffix(path, suffix) {
			p.suffixes[k]++
		}
	}
	for i, f := range p.faults {
		if f.Op != "" && f.Op != op {
			continue
		}
		if f.Times > 0 && p.injected[i] >= f.Times {
			continue
		}
		p.seen[i]++
		if f.Every > 1 && p.seen[i]%f.Every != 0 {
			continue
		}
		p.injected[i]++
		return f, p.rate, true
	}
	return Fault{}, p.rate, false
}

// ServeHTTP forwards one request, or fails it as a fault says.
func (p *FaultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := Operation(r)
	if t := p.trace.Load(); t != nil {
		defer p.record(t, r, op, time.Now())
	}
	f, rate, faulty := p.pick(op, r.URL.Path)
	switch {
	case faulty && f.KeyErrors != "" && op == "DeleteObjects":
		answerKeyErrors(w, r, f.KeyErrors)
		return
	case faulty && f.Status != 0:
		_, _ = io.Copy(io.Discard, r.Body)
		code := "InternalError"
		if f.Status == http.StatusServiceUnavailable {
			code = "SlowDown"
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(f.Status)
		_, _ = fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected by the fault proxy</Message></Error>`, code)
		return
	case faulty && f.Drop:
		hangUp(w)
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host = p.target.Scheme, p.target.Host
	out.Host = r.Host
	if r.Body != nil && r.ContentLength != 0 {
		out.Body = io.NopCloser(throttle(r.Body, rate))
	}
	resp, err := p.tr.RoundTrip(out)
	if err != nil {
		hangUp(w)
		return
	}
	defer resp.Body.Close()
	if faulty && f.After != nil {
		f.After()
	}
	if faulty && f.DropAfter {
		_, _ = io.Copy(io.Discard, resp.Body)
		hangUp(w)
		return
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(&countedWriter{w: w, p: p, op: op}, throttle(resp.Body, rate))
}

// countedWriter adds what it passes on to the proxy's byte count before
// writing it: a client can have the whole answer before the copy that
// sends it returns, and a test reading the count then must see it.
type countedWriter struct {
	w  io.Writer
	p  *FaultProxy
	op string
}

// Write counts b, writes it, and takes back what was not written.
func (c *countedWriter) Write(b []byte) (int, error) {
	c.p.mu.Lock()
	c.p.bytes[c.op] += int64(len(b))
	c.p.mu.Unlock()
	n, err := c.w.Write(b)
	if n < len(b) {
		c.p.mu.Lock()
		c.p.bytes[c.op] -= int64(len(b) - n)
		c.p.mu.Unlock()
	}
	return n, err
}

// connKey keys a connection's connInfo in its requests' contexts.
type connKey struct{}

// connInfo is what the trace needs of a connection: where the link
// dialed it from, and how many requests it has carried.
type connInfo struct {
	from     string
	requests atomic.Int64
}

// record adds a finished request to t, in the client's time: sent one
// delay before it arrived (the first on a connection when the client
// sent its bytes, before the handshake held them), answered one delay
// after it ended here.
func (p *FaultProxy) record(t *Trace, r *http.Request, op string, arrived time.Time) {
	d := time.Duration(p.link.delay.Load())
	sent := arrived.Add(-d)
	var handshake time.Duration
	if ci, ok := r.Context().Value(connKey{}).(*connInfo); ok && ci.requests.Add(1) == 1 {
		if at, hs, ok := p.link.firstSent(ci.from); ok {
			sent, handshake = at, hs
		} else {
			sent, handshake = sent.Add(-2*d), 2*d
		}
	}
	t.add(Span{Op: op, Start: sent, End: time.Now().Add(d), Delay: d, Handshake: handshake})
}

// hangUp closes the client's connection without an answer.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			_ = c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// throttle limits r to rate bytes per second (0: no limit).
func throttle(r io.Reader, rate int64) io.Reader {
	if rate <= 0 {
		return r
	}
	return &slowReader{r: r, rate: rate, start: time.Now()}
}

type slowReader struct {
	r     io.Reader
	rate  int64
	start time.Time
	n     int64
}

// Read reads, then sleeps as long as the rate needs.
func (s *slowReader) Read(b []byte) (int, error) {
	if len(b) > 16<<10 {
		b = b[:16<<10]
	}
	n, err := s.r.Read(b)
	s.n += int64(n)
	if ahead := time.Duration(float64(s.n)/float64(s.rate)*float64(time.Second)) - time.Since(s.start); ahead > 0 {
		time.Sleep(ahead)
	}
	return n, err
}

// answerKeyErrors answers a DeleteObjects request with code for each key.
func answerKeyErrors(w http.ResponseWriter, r *http.Request, code string) {
	var req struct {
		Objects []struct {
			Key string `xml:"Key"`
		} `xml:"Object"`
	}
	body, _ := io.ReadAll(r.Body)
	_ = xml.Unmarshal(body, &req)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><DeleteResult>`)
	for _, o := range req.Objects {
		b.WriteString("<Error><Key>")
		_ = xml.EscapeText(&b, []byte(o.Key))
		fmt.Fprintf(&b, "</Key><Code>%s</Code><Message>injected by the fault proxy</Message></Error>", code)
	}
	b.WriteString("</DeleteResult>")
	w.Header().Set("Content-Type", "application/xml")
	_, _ = io.WriteString(w, b.String())
}
