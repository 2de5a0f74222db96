package aws

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/coopterm/coop/backend"
)

// bodyConn is a connection to S3 that writes a request body held in
// memory (a memBody, as the store's own PUTs send: see direct) straight
// from its bytes, in one write. net/http hands a body of known
// length to the connection as an io.LimitedReader, which a TCP
// connection copies through a fresh 32 KiB buffer: one allocation, a
// copy of the body and a write more per small PUT.
type bodyConn struct{ net.Conn }

// ReadFrom writes what r holds to the connection.
func (c bodyConn) ReadFrom(r io.Reader) (int64, error) {
	if lr, ok := r.(*io.LimitedReader); ok {
		if b, ok := lr.R.(*memBody); ok && int64(b.Len()) <= lr.N {
			n, err := b.WriteTo(c.Conn)
			lr.N -= n
			return n, err
		}
	}
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(c.Conn, r)
}

// bodyConns makes dial's connections bodyConns.
func bodyConns(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return bodyConn{c}, nil
	}
}

// memBody is a request body held in memory, which a bodyConn writes
// without copying it. Its bytes may be a lease's (see bodyLease), which
// it holds until the transport closes it. With a gate, its last byte
// waits for the gate to open (see setBody); a refusal, or the end of
// ctx, ends the body there, and the transport drops the connection.
type memBody struct {
	*bytes.Reader
	lease  *bodyLease
	closed sync.Once
	all    []byte
	gate   *backend.Gate
	ctx    context.Context
}

// Read reads the body, all but its last byte until the gate opens.
func (b *memBody) Read(p []byte) (int, error) {
	if b.gate != nil && len(p) >= b.Len() {
		if b.Len() > 1 {
			p = p[:b.Len()-1]
		} else if err := b.pass(); err != nil {
			return 0, err
		}
	}
	return b.Reader.Read(p)
}

// WriteTo writes the body to w, all but its last byte until the gate
// opens.
func (b *memBody) WriteTo(w io.Writer) (int64, error) {
	if b.gate == nil {
		return b.Reader.WriteTo(w)
	}
	var n int64
	if rest := b.Len(); rest > 1 {
		off := len(b.all) - rest
		m, err := w.Write(b.all[off : len(b.all)-1])
		n = int64(m)
		_, _ = b.Seek(int64(off+m), io.SeekStart)
		if err != nil {
			return n, err
		}
	}
	if err := b.pass(); err != nil {
		return n, err
	}
	m, err := b.Reader.WriteTo(w)
	return n + m, err
}

// pass waits for the gate; once it is open the body goes on unheld.
func (b *memBody) pass() error {
	if err := b.gate.Wait(b.ctx); err != nil {
		return err
	}
	b.gate = nil
	return nil
}

// Close lets go of the body's lease, if any: net/http closes a request's
// body once it has stopped writing it, which may be after the answer
// came (RoundTrip may return while the body is still being written).
func (b *memBody) Close() error {
	b.closed.Do(b.lease.release)
	return nil
}

// setBody makes body r's, replayable (net/http sends a request again on
// a kept connection the server closed meanwhile); each body made of it
// holds lease (nil: bytes nobody gives back) until the transport closes it.
// A request whose context carries a gate (backend.Gate) holds back its
// body's last byte until the gate opens: the server has the rest, and
// cannot store the object without it.
func setBody(r *http.Request, body []byte, lease *bodyLease) {
	if len(body) == 0 { // no body, not one of unknown length: Content-Length: 0
		r.Body, r.ContentLength = http.NoBody, 0
		r.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
		return
	}
	ctx := r.Context()
	gate := backend.GateOf(ctx)
	open := func() *memBody {
		lease.hold()
		return &memBody{Reader: bytes.NewReader(body), lease: lease, all: body, gate: gate, ctx: ctx}
	}
	r.Body = open()
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return open(), nil }
}

// bodyLease is a buffer of the store's pool lent to the requests that
// send it: it goes back to the pool only once its holder and every
// request body made of it are done with it — not as soon as the answer
// came, when net/http may still be writing the body. A buffer that went
// to a request no memBody tracks (the SDK's) is lost to the garbage
// collector instead.
type bodyLease struct {
	buf  []byte
	free func([]byte) // gives buf back
	refs atomic.Int32
	lost atomic.Bool
}

// lend lends buf, held once by the caller, who releases it when done;
// free gives it back once nothing holds it.
func lend(buf []byte, free func([]byte)) *bodyLease {
	l := &bodyLease{buf: buf, free: free}
	l.refs.Store(1)
	return l
}

func (l *bodyLease) hold() {
	if l != nil {
		l.refs.Add(1)
	}
}

// release lets go of one hold; the last gives the buffer back.
func (l *bodyLease) release() {
	if l != nil && l.refs.Add(-1) == 0 && !l.lost.Load() {
		l.free(l.buf)
	}
}

// lose keeps the buffer from the pool for good: it was handed to code
// that does not say when it is done with it.
func (l *bodyLease) lose() {
	if l != nil {
		l.lost.Store(true)
	}
}
