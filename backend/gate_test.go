package backend

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A gate settles once: the first word counts; Wait, Refused and Open say
// it, and a context carries it only while it is not open.
func TestGateSettlesOnce(t *testing.T) {
	g := NewGate()
	ctx := WithGate(context.Background(), g)
	if GateOf(ctx) != g || g.Open() || g.Refused() != nil {
		t.Fatal("an unsettled gate: not carried, or already open or refused")
	}
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := g.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait on an unsettled gate: %v, want the context's end", err)
	}
	refusal := errors.New("no")
	g.Settle(refusal)
	g.Settle(nil) // too late
	if err := WaitGate(ctx); !errors.Is(err, refusal) || !errors.Is(g.Refused(), refusal) || g.Open() {
		t.Fatalf("a refused gate: Wait %v, Refused %v, Open %v", err, g.Refused(), g.Open())
	}
	open := NewGate()
	open.Settle(nil)
	if !open.Open() || open.Refused() != nil || WaitGate(context.Background()) != nil {
		t.Fatal("an open gate: not open, or refused")
	}
	if GateOf(WithGate(context.Background(), open)) != nil {
		t.Error("a context given an open gate carries it: its writes would be gated for nothing")
	}
}
