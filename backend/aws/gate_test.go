package aws

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/testservers"
)

// gatedPut starts a gated PutObjectIfAbsent of body through a proxy that
// traces it, and returns the trace and a channel with its answer.
func gatedPut(t *testing.T, body []byte) (*Store, backend.RepoRef, *backend.Gate, *testservers.Trace, <-chan error) {
	t.Helper()
	s0 := newStore(t)
	ref := newRepo(t, s0)
	cfg := s0.Config()
	p := testservers.StartFaultProxy(t, cfg.EndpointURL)
	tr := &testservers.Trace{}
	p.SetTrace(tr)
	cfg.EndpointURL = p.URL
	s := openStore(t, cfg)
	if !s.GatesPut(int64(len(body))) {
		t.Fatalf("GatesPut(%d) = false, want a single PUT sent gated", len(body))
	}
	g := backend.NewGate()
	done := make(chan error, 1)
	go func() {
		_, err := s.PutObjectIfAbsent(backend.WithGate(context.Background(), g), ref, "held.bin", bytes.NewReader(body), int64(len(body)))
		done <- err
	}()
	return s, ref, g, tr, done
}

// waitHeld checks that a gated PUT stays unanswered while its gate is
// shut: the server has all of it but the last byte.
func waitHeld(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("the gated PUT ended before its gate was settled: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
}

// A gated PUT goes out at once and is stored only once its gate opens:
// the request was sent before, and the object is whole.
func TestGatedPutIsSentBeforeItsGateOpens(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 5000) // 80,000 bytes
	s, ref, g, tr, done := gatedPut(t, body)
	waitHeld(t, done)
	opened := time.Now()
	g.Settle(nil)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("gated PUT: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the gated PUT did not end once its gate opened")
	}
	var put *testservers.Span
	for _, sp := range tr.Spans() {
		if sp.Op == "PutObject" {
			put = &sp
		}
	}
	if put == nil {
		t.Fatalf("no PutObject went through the proxy: %v", tr.Ops())
	}
	if !put.Start.Before(opened.Add(-200 * time.Millisecond)) {
		t.Errorf("the PUT was sent %v before its gate opened, want at once (300 ms before)", opened.Sub(put.Start).Round(time.Millisecond))
	}
	rc, _, err := s.GetObject(context.Background(), ref, "held.bin")
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	defer func() { _ = rc.Close() }()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("stored %d bytes (%v), want the %d sent", len(got), err, len(body))
	}
}

// A gated PUT whose gate is refused is cut off before its last byte: it
// returns the refusal, and the store keeps nothing.
func TestRefusedGatedPutStoresNothing(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 70000)
	s, ref, g, _, done := gatedPut(t, body)
	waitHeld(t, done)
	refusal := errors.New("refused for the test")
	g.Settle(refusal)
	select {
	case err := <-done:
		if !errors.Is(err, refusal) {
			t.Fatalf("refused gated PUT: %v, want the gate's refusal", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the gated PUT did not end once its gate was refused")
	}
	if _, err := s.StatObject(context.Background(), ref, "held.bin"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("StatObject after a refused gated PUT: %v, want not found", err)
	}
}

// A write the store cannot send gated (of unknown size here) waits for
// its gate before anything is sent, and is refused with it.
func TestUngatedSizeWaitsForTheGate(t *testing.T) {
	s := newStore(t)
	ref := newRepo(t, s)
	if s.GatesPut(-1) || s.GatesPut(0) {
		t.Fatal("GatesPut of an unknown or empty size, want false")
	}
	g := backend.NewGate()
	done := make(chan error, 1)
	go func() {
		_, err := s.PutObject(backend.WithGate(context.Background(), g), ref, "later.txt", bytes.NewReader([]byte("later")), -1)
		done <- err
	}()
	waitHeld(t, done)
	refusal := errors.New("refused for the test")
	g.Settle(refusal)
	if err := <-done; !errors.Is(err, refusal) {
		t.Fatalf("PutObject: %v, want the gate's refusal", err)
	}
	if _, err := s.StatObject(context.Background(), ref, "later.txt"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("StatObject: %v, want not found", err)
	}
}
