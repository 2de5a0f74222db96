package aws

import (
	"context"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"
)

// PreDial says how many connections Open starts to each endpoint before
// any request is made, so that their TCP handshakes overlap with the
// rest of the start (loading the AWS configuration, building clients,
// the command's own set-up) instead of each delaying a first request by
// a round trip. A command sets what its first requests need at once
// (coop stat: three to S3, one to DynamoDB); zero opens none.
type PreDial struct {
	S3, DynamoDB int
}

// PreDialer holds the connections opened ahead to a store's endpoints. A
// command starts one with StartPreDial as soon as it knows the store's
// endpoints (from its command line and environment, before it has parsed
// either in full or loaded the AWS configuration) and hands it to Open
// as Config.Dialer, which dials only what is still missing; one Open
// never takes is closed with Close.
type PreDialer struct{ p *preDialer }

// StartPreDial starts cfg.PreDial's connections to the endpoints cfg
// names: its custom endpoints, or AWS's in cfg.Region (none when no
// region is given). A wrong guess costs only connections nobody takes,
// closed after preDialExpiry or at Close.
func StartPreDial(cfg Config) *PreDialer {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	p := newPreDialer(&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second})
	p.startEndpoints(cfg, cfg.Region)
	return &PreDialer{p: p}
}

// Close closes the connections nobody took and dials no more; it may be
// called more than once, and after Open took the PreDialer.
func (d *PreDialer) Close() {
	if d != nil {
		d.p.close()
	}
}

// maxPreDial bounds the connections pre-dialed to one endpoint: enough
// for a large download's ranges (transfer.RangeConcurrency).
const maxPreDial = 16

// maxWarm bounds the connections WarmUp opens ahead to S3 in all: a
// transfer queue's first wave (transfer.DefaultWorkers).
const maxWarm = 256

// WarmUp opens connections to S3 ahead of a wave of n object requests
// (backend.Warmer), counting those pre-dialed already: a transfer queue
// about to start n small uploads asks while the repository is still
// being looked up, and the uploads then find their connections open
// instead of each waiting for a handshake. At most maxWarm; those not
// taken within preDialExpiry are closed, as pre-dialed ones are.
func (s *Store) WarmUp(n int) {
	s3URL, _ := awsEndpoints(s.cfg, s.cfg.Region)
	s.dials.startUpTo(s3Addr(s.cfg, s3URL), n, maxWarm)
}

// preDialExpiry is how long a pre-dialed connection waits to be used
// before it is closed: a command's first requests come within
// milliseconds, and a server may close a connection idle much longer.
const preDialExpiry = 10 * time.Second

// preDialer hands the http.Transport's dials connections opened ahead,
// one each, by address, and dials the others itself. A pre-dial that
// failed or is unused costs nothing but its own attempt: the dial it
// stands for is made as usual.
type preDialer struct {
	dialer *net.Dialer
	mu     sync.Mutex
	ready  map[string][]*preDialed
	// started counts the connections ever pre-dialed to each address,
	// so that asking again for n dials only those missing.
	started map[string]int
	closed  bool
}

// preDialed is one connection being opened, or opened.
type preDialed struct {
	done chan struct{}
	conn net.Conn
	err  error
}

func newPreDialer(d *net.Dialer) *preDialer {
	return &preDialer{dialer: d, ready: map[string][]*preDialed{}, started: map[string]int{}}
}

// start opens connections to addr (host:port) in the background until n
// (at most maxPreDial) have been started to it in all; those still
// unused after preDialExpiry are closed.
func (p *preDialer) start(addr string, n int) { p.startUpTo(addr, n, maxPreDial) }

// startUpTo is start with limit in place of maxPreDial.
func (p *preDialer) startUpTo(addr string, n, limit int) {
	n = min(n, limit)
	if addr == "" || n <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.started[addr] >= n {
		return
	}
	more := n - p.started[addr]
	p.started[addr] = n
	for range more {
		pd := &preDialed{done: make(chan struct{})}
		p.ready[addr] = append(p.ready[addr], pd)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), preDialExpiry)
			defer cancel()
			pd.conn, pd.err = p.dialer.DialContext(ctx, "tcp", addr)
			close(pd.done)
		}()
	}
	time.AfterFunc(preDialExpiry, func() { p.drop(addr) })
}

// take returns a connection being opened to addr, if one is left.
func (p *preDialer) take(addr string) *preDialed {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := p.ready[addr]
	if len(q) == 0 {
		return nil
	}
	pd := q[0]
	p.ready[addr] = q[1:]
	return pd
}

// DialContext is the transport's dial: a connection opened ahead to addr
// if there is one (waiting for its handshake, begun earlier than this
// dial's would be), else a new one. A pre-dial that failed is dialed
// again at once.
func (p *preDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if pd := p.take(addr); pd != nil && strings.HasPrefix(network, "tcp") {
		select {
		case <-pd.done:
			if pd.err == nil {
				return pd.conn, nil
			}
		case <-ctx.Done():
			go closeWhenDone(pd)
			return nil, ctx.Err()
		}
	}
	return p.dialer.DialContext(ctx, network, addr)
}

// drop closes the unused connections to addr.
func (p *preDialer) drop(addr string) {
	p.mu.Lock()
	q := p.ready[addr]
	delete(p.ready, addr)
	p.mu.Unlock()
	for _, pd := range q {
		go closeWhenDone(pd)
	}
}

// close closes every unused connection and pre-dials no more.
func (p *preDialer) close() {
	p.mu.Lock()
	p.closed = true
	addrs := make([]string, 0, len(p.ready))
	for a := range p.ready {
		addrs = append(addrs, a)
	}
	p.mu.Unlock()
	for _, a := range addrs {
		p.drop(a)
	}
}

func closeWhenDone(pd *preDialed) {
	<-pd.done
	if pd.conn != nil {
		_ = pd.conn.Close()
	}
}

// dialAddr is the host:port the transport dials for an endpoint URL; ""
// if it cannot be told.
func dialAddr(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	port := u.Port()
	switch {
	case port != "":
	case u.Scheme == "https":
		port = "443"
	case u.Scheme == "http":
		port = "80"
	default:
		return ""
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// startEndpoints pre-dials the endpoints cfg names (custom ones), or with
// a region known, AWS's own, up to cfg.PreDial's counts: called again
// (once the region is known, or by Open after StartPreDial) it dials only
// the connections not yet started.
func (p *preDialer) startEndpoints(cfg Config, region string) {
	s3URL, ddbURL := awsEndpoints(cfg, region)
	p.start(s3Addr(cfg, s3URL), cfg.PreDial.S3)
	p.start(dialAddr(ddbURL), cfg.PreDial.DynamoDB)
}

// s3Addr is the address the SDK dials for S3 at endpoint: the bucket's
// own host name unless the store uses path-style addresses (or the
// endpoint is an IP address, which cannot take the bucket's name).
func s3Addr(cfg Config, endpoint string) string {
	addr := dialAddr(endpoint)
	host, port, err := net.SplitHostPort(addr)
	if err != nil || cfg.EndpointURL == "" || cfg.PathStyle || net.ParseIP(host) != nil || strings.Contains(cfg.Bucket, ".") {
		return addr
	}
	return net.JoinHostPort(cfg.Bucket+"."+host, port)
}

// awsEndpoints are the URLs the SDK sends S3 and DynamoDB requests to in
// region when no endpoint is configured: virtual-hosted S3 unless the
// bucket's name cannot be a host name (then path style, as the SDK does).
func awsEndpoints(cfg Config, region string) (s3URL, ddbURL string) {
	s3URL, ddbURL = cfg.EndpointURL, cfg.DynamoDBEndpoint
	if region == "" {
		return s3URL, ddbURL
	}
	if s3URL == "" {
		host := "s3." + region + ".amazonaws.com"
		if !cfg.PathStyle && !strings.Contains(cfg.Bucket, ".") {
			host = cfg.Bucket + "." + host
		}
		s3URL = "https://" + host
	}
	if ddbURL == "" {
		ddbURL = "https://dynamodb." + region + ".amazonaws.com"
	}
	return s3URL, ddbURL
}
