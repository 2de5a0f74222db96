package aws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/testservers"
)

// waitConnections waits until the proxy has seen n connections.
func waitConnections(t *testing.T, p *testservers.FaultProxy, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for p.Connections() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections opened after Open, want %d pre-dialed", p.Connections(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Open pre-dials the connections Config.PreDial asks for, before any
// request, and the first requests use them: no connection more is opened
// for them, so none waits for a handshake of its own.
func TestPreDialedConnectionsAreUsed(t *testing.T) {
	ctx := context.Background()
	s0 := newStore(t)
	ref := newRepo(t, s0)
	put(t, s0, ref, "a.csv", "a,b\n")
	put(t, s0, ref, "b.csv", "c,d\n")
	cfg := s0.Config()
	s3p := testservers.StartFaultProxy(t, cfg.EndpointURL)
	ddbp := testservers.StartFaultProxy(t, cfg.DynamoDBEndpoint)
	cfg.EndpointURL, cfg.DynamoDBEndpoint, cfg.LazyBucketCheck = s3p.URL, ddbp.URL, true
	cfg.PreDial = PreDial{S3: 2, DynamoDB: 1}
	s := openStore(t, cfg)
	waitConnections(t, s3p, 2)
	waitConnections(t, ddbp, 1)
	// The proxy holds each answer a little, so that the two HEADs are in
	// flight together and need two connections.
	s3p.SetDelay(50 * time.Millisecond)
	var wg sync.WaitGroup
	for _, name := range []string{"a.csv", "b.csv"} {
		wg.Go(func() {
			if _, err := s.StatFile(ctx, ref, name); err != nil {
				t.Errorf("StatFile(%s): %v", name, err)
			}
		})
	}
	wg.Go(func() {
		if _, err := s.GetRepository(ctx, ref.AccountID, ref.RepositoryID); err != nil {
			t.Errorf("GetRepository: %v", err)
		}
	})
	wg.Wait()
	if n, m := s3p.Connections(), ddbp.Connections(); n != 2 || m != 1 {
		t.Errorf("connections: S3 %d, DynamoDB %d; want the 2 and 1 pre-dialed, no more", n, m)
	}
}

// A pre-dialed connection nobody took is closed with the store; one that
// could not be opened is dialed again when asked for, at once.
func TestPreDialCleansUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	p := newPreDialer(&net.Dialer{Timeout: 5 * time.Second})
	p.start(ln.Addr().String(), 1)
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Close() }()
	p.close()
	_ = srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := srv.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("read from an unused pre-dialed connection after close: %v, want EOF", err)
	}

	// A pre-dial to a closed port fails; the dial it stands for is made
	// again (and fails the same way) without waiting.
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := dead.Addr().String()
	_ = dead.Close()
	q := newPreDialer(&net.Dialer{Timeout: 5 * time.Second})
	defer q.close()
	q.start(addr, 1)
	start := time.Now()
	if c, err := q.DialContext(context.Background(), "tcp", addr); err == nil {
		_ = c.Close()
		t.Errorf("dial of a closed port succeeded")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("a failed pre-dial held the dial %v", d)
	}
	// A dial to an address nothing was pre-dialed to is a plain dial.
	c, err := q.DialContext(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
}

// Connections started before Open (StartPreDial, as a command does before
// it has parsed its command line) are opened at once, and Open takes
// them: it dials only those still missing from its own PreDial, and the
// requests use them, no connection more.
func TestPreDialStartedBeforeOpen(t *testing.T) {
	ctx := context.Background()
	s0 := newStore(t)
	ref := newRepo(t, s0)
	put(t, s0, ref, "a.csv", "a,b\n")
	cfg := s0.Config()
	s3p := testservers.StartFaultProxy(t, cfg.EndpointURL)
	ddbp := testservers.StartFaultProxy(t, cfg.DynamoDBEndpoint)
	cfg.EndpointURL, cfg.DynamoDBEndpoint, cfg.LazyBucketCheck = s3p.URL, ddbp.URL, true
	cfg.PreDial = PreDial{S3: 1, DynamoDB: 1}
	early := StartPreDial(cfg)
	waitConnections(t, s3p, 1)
	waitConnections(t, ddbp, 1)
	cfg.Dialer = early
	cfg.PreDial = PreDial{S3: 2, DynamoDB: 1}
	s := openStore(t, cfg)
	if s.Config().Dialer != nil {
		t.Errorf("the store's Config hands out the dialer it owns")
	}
	waitConnections(t, s3p, 2)
	s3p.SetDelay(50 * time.Millisecond)
	var wg sync.WaitGroup
	wg.Go(func() {
		if _, err := s.StatFile(ctx, ref, "a.csv"); err != nil {
			t.Errorf("StatFile: %v", err)
		}
	})
	wg.Go(func() {
		if _, err := s.StatFile(ctx, ref, "none.csv"); !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("StatFile(none.csv): %v, want not found", err)
		}
	})
	wg.Go(func() {
		if _, err := s.GetRepository(ctx, ref.AccountID, ref.RepositoryID); err != nil {
			t.Errorf("GetRepository: %v", err)
		}
	})
	wg.Wait()
	if n, m := s3p.Connections(), ddbp.Connections(); n != 2 || m != 1 {
		t.Errorf("connections: S3 %d, DynamoDB %d; want the 2 and 1 pre-dialed, no more", n, m)
	}
	early.Close() // after the store took it: nothing happens
}

// A PreDialer that Open never took (a command line that failed before
// opening its store) closes its connections at Close.
func TestUnusedPreDialerCloses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	d := StartPreDial(Config{EndpointURL: "http://" + ln.Addr().String(), PathStyle: true, PreDial: PreDial{S3: 2}})
	var conns []net.Conn
	for range 2 {
		c, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Close() }()
		conns = append(conns, c)
	}
	d.Close()
	d.Close()
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
			t.Errorf("read from an unused pre-dialed connection after Close: %v, want EOF", err)
		}
	}
}

// WarmUp opens the connections a wave of uploads is about to need before
// any of them is sent, counting those pre-dialed already, and the
// uploads use them: no connection more is opened for them.
func TestWarmUpOpensTheWavesConnections(t *testing.T) {
	ctx := context.Background()
	s0 := newStore(t)
	ref := newRepo(t, s0)
	cfg := s0.Config()
	s3p := testservers.StartFaultProxy(t, cfg.EndpointURL)
	cfg.EndpointURL, cfg.LazyBucketCheck = s3p.URL, true
	cfg.PreDial = PreDial{S3: 2}
	s := openStore(t, cfg)
	waitConnections(t, s3p, 2)
	const wave = 6
	var w backend.Warmer = s
	w.WarmUp(wave)
	waitConnections(t, s3p, wave)
	w.WarmUp(wave) // asked again: nothing more
	// Each answer held a little, so that the uploads are in flight
	// together and need a connection each.
	s3p.SetDelay(50 * time.Millisecond)
	var wg sync.WaitGroup
	for i := range wave {
		wg.Go(func() {
			body := fmt.Sprintf("file %d\n", i)
			if _, err := s.PutObject(ctx, ref, fmt.Sprintf("w/%d.txt", i), strings.NewReader(body), int64(len(body))); err != nil {
				t.Errorf("PutObject: %v", err)
			}
		})
	}
	wg.Wait()
	if n := s3p.Connections(); n != wave {
		t.Errorf("%d connections opened for a wave of %d uploads warmed up, want %d (every upload on one opened ahead)", n, wave, wave)
	}
}
