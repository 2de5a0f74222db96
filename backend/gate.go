package backend

import (
	"context"
	"sync"
)

// Gate is a decision an object write may be sent before, but must not
// complete before: whether the write is allowed at all (the repository
// exists, the caller may write to it). A store that can (see GatedPutter)
// sends a gated PUT's request and all of its body but the last byte at
// once, and the last byte only once the gate opens: the upload's first
// wave travels while the repository is looked up, instead of a round trip
// after, and an upload that is refused is cut off before its end, so the
// store never keeps it. A store that cannot waits for the gate before it
// writes anything.
type Gate struct {
	done chan struct{}
	once sync.Once
	err  error
}

// NewGate returns a gate not yet settled.
func NewGate() *Gate { return &Gate{done: make(chan struct{})} }

// Settle opens the gate (err nil) or shuts it for good (the refusal);
// only the first call counts.
func (g *Gate) Settle(err error) {
	g.once.Do(func() {
		g.err = err
		close(g.done)
	})
}

// Done is closed once the gate is settled.
func (g *Gate) Done() <-chan struct{} { return g.done }

// Wait waits for the gate and returns its refusal, if any, or ctx's error
// should ctx end first.
func (g *Gate) Wait(ctx context.Context) error {
	select {
	case <-g.done:
		return g.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Refused returns the gate's refusal once it is settled; nil while it is
// not, or when it opened.
func (g *Gate) Refused() error {
	select {
	case <-g.done:
		return g.err
	default:
		return nil
	}
}

// Open reports whether the gate has opened.
func (g *Gate) Open() bool {
	select {
	case <-g.done:
		return g.err == nil
	default:
		return false
	}
}

type gateKey struct{}

// WithGate returns ctx carrying g: a write made with it is a gated one
// (see Gate). A nil or open g leaves ctx as it is.
func WithGate(ctx context.Context, g *Gate) context.Context {
	if g == nil || g.Open() {
		return ctx
	}
	return context.WithValue(ctx, gateKey{}, g)
}

// GateOf returns the gate ctx carries, nil if none.
func GateOf(ctx context.Context) *Gate {
	g, _ := ctx.Value(gateKey{}).(*Gate)
	return g
}

// WaitGate waits for the gate ctx carries, if any: what a store does
// before a write it cannot send gated.
func WaitGate(ctx context.Context) error {
	if g := GateOf(ctx); g != nil {
		return g.Wait(ctx)
	}
	return nil
}

// GatedPutter is a store that can send a PUT of size bytes before its
// gate opens (see Gate): its PutObject and PutObjectIfAbsent, given a
// context from WithGate, hold back the write's completion until the gate
// opens and, if it is refused, store nothing and return the refusal.
// Given a gated write of another size, they wait for the gate first.
type GatedPutter interface {
	GatesPut(size int64) bool
}
