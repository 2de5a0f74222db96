package aws

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
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
// without copying it.
type memBody struct{ *bytes.Reader }

// Close does nothing: the bytes are the caller's.
func (*memBody) Close() error { return nil }

// setBody makes body r's, replayable (net/http sends a request again on
// a kept connection the server closed meanwhile).
func setBody(r *http.Request, body []byte) {
	if len(body) == 0 { // no body, not one of unknown length: Content-Length: 0
		r.Body, r.ContentLength = http.NoBody, 0
		r.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
		return
	}
	r.Body = &memBody{bytes.NewReader(body)}
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return &memBody{bytes.NewReader(body)}, nil }
}
