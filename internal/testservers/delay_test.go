package testservers

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// echoServer answers GET /n with n bytes and PUT with the body it read.
func echoServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			_, _ = w.Write(body)
			return
		}
		var n int64
		_, _ = fmt.Sscan(r.URL.Path[1:], &n)
		_, _ = io.CopyN(w, zeros{}, n)
	}))
	t.Cleanup(srv.Close)
	return srv
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// timed runs fn and returns how long it took.
func timed(t *testing.T, fn func() error) time.Duration {
	t.Helper()
	start := time.Now()
	if err := fn(); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

func get(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// delayed is a proxy that adds latency: FaultProxy, or DelayProxy alone.
type delayed interface {
	SetDelay(time.Duration)
	Connections() int
}

// The lower bounds below are what the delay must cost. Upper bounds are
// left to what cannot pass by chance on a loaded machine: a large
// transfer delayed per chunk would take 25 s, not seconds.
func TestDelayCostsARoundTripPerRequest(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(t *testing.T, target string) (delayed, string)
	}{
		{"FaultProxy", func(t *testing.T, target string) (delayed, string) {
			p := StartFaultProxy(t, target)
			return p, p.URL
		}},
		{"DelayProxy", func(t *testing.T, target string) (delayed, string) {
			p, err := NewDelayProxy(target)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = p.Close() })
			return p, p.URL
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, url := tc.start(t, echoServer(t).URL)
			testDelay(t, p, url)
		})
	}
}

func testDelay(t *testing.T, p delayed, url string) {
	const d = 50 * time.Millisecond
	p.SetDelay(d)
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()

	// A new connection: the handshake's round trip, then the request's.
	if first := timed(t, func() error { return get(c, url+"/10") }); first < 4*d {
		t.Errorf("a request on a new connection took %v, want at least 4 × %v", first, d)
	}
	// The same connection again: one round trip.
	if again := timed(t, func() error { return get(c, url+"/10") }); again < 2*d {
		t.Errorf("a request on an open connection took %v, want at least 2 × %v", again, d)
	}
	if n := p.Connections(); n != 1 {
		t.Errorf("%d connections for two requests in turn, want 1", n)
	}

	// 32 MiB each way: one delay more than loopback, not one per chunk
	// (512 chunks of 64 KiB would be 25 s).
	big := timed(t, func() error { return get(c, url+"/"+fmt.Sprint(32<<20)) })
	if big < 2*d || big > 2*d+10*time.Second {
		t.Errorf("a 32 MiB download took %v, want about 2 × %v", big, d)
	}
	// Random bytes there and back: each chunk arrives whole and in order.
	body := make([]byte, 32<<20)
	_, _ = rand.Read(body)
	up := timed(t, func() error {
		req, err := http.NewRequest(http.MethodPut, url+"/up", bytes.NewReader(body))
		if err != nil {
			return err
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		got, err := io.ReadAll(resp.Body)
		if err == nil && !bytes.Equal(got, body) {
			err = fmt.Errorf("%d bytes came back of %d sent, not the same", len(got), len(body))
		}
		return err
	})
	if up < 2*d || up > 2*d+10*time.Second {
		t.Errorf("a 32 MiB upload and its echo took %v, want about 2 × %v", up, d)
	}
	t.Logf("round trip on an open connection ≥ %v; 32 MiB down in %v, up and back in %v", 2*d, big, up)
}

func TestTraceCountsSequentialRoundTrips(t *testing.T) {
	srv := echoServer(t)
	p := StartFaultProxy(t, srv.URL)
	// Requests sent together may start up to one delay apart (a loaded
	// machine) and still count as one round.
	const d = 100 * time.Millisecond
	p.SetDelay(d)
	var tr Trace
	p.SetTrace(&tr)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer c.CloseIdleConnections()

	// Three requests one after the other, then eight at once, then one.
	for range 3 {
		if err := get(c, p.URL+"/1"); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() { errs <- get(c, p.URL+"/1") })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := get(c, p.URL+"/1"); err != nil {
		t.Fatal(err)
	}
	if n := len(tr.Spans()); n != 12 {
		t.Errorf("trace has %d requests, want 12", n)
	}
	if r := tr.Rounds(); r != 5 {
		t.Errorf("Rounds = %d, want 5 (3 in turn, 8 together, 1)", r)
	}
	tr.Reset()
	if r := tr.Rounds(); r != 0 || len(tr.Ops()) != 0 {
		t.Errorf("after Reset: %d rounds, ops %v", r, tr.Ops())
	}
}

// A trace tells a request that waited for its connection's handshake (a
// connection dialed as it was sent) from one on a connection reused or
// opened ahead.
func TestTraceTellsWhoWaitedForAHandshake(t *testing.T) {
	srv := echoServer(t)
	p := StartFaultProxy(t, srv.URL)
	const d = 50 * time.Millisecond
	p.SetDelay(d)
	var tr Trace
	p.SetTrace(&tr)
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	for range 2 { // a new connection, then the same one
		if err := get(c, p.URL+"/1"); err != nil {
			t.Fatal(err)
		}
	}
	// A connection opened well ahead of its first request.
	ahead, err := new(net.Dialer).DialContext(t.Context(), "tcp", p.URL[len("http://"):])
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ahead.Close() }()
	time.Sleep(3 * d)
	if _, err := io.WriteString(ahead, "GET /1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(ahead); err != nil {
		t.Fatal(err)
	}
	spans := tr.Spans()
	if len(spans) != 3 {
		t.Fatalf("trace has %d requests, want 3", len(spans))
	}
	if hs := spans[0].Handshake; hs < d {
		t.Errorf("the first request on a new connection waited %v for the handshake, want about 2 × %v", hs, d)
	}
	for i, what := range []string{"", "the second on the same connection", "the first on a connection opened ahead"} {
		if i > 0 && spans[i].Handshake != 0 {
			t.Errorf("%s waited %v for a handshake, want 0", what, spans[i].Handshake)
		}
	}
}

func TestOperationNamesDynamoDBTargets(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
	if op := Operation(r); op != "GetItem" {
		t.Errorf("Operation = %q, want GetItem", op)
	}
}
