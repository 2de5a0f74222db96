package server_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

// rawSFTP speaks SFTP packet by packet, for requests the usual clients
// never send (attributes on an open, odd offsets, handles reused).
type rawSFTP struct {
	t   testing.TB
	in  io.WriteCloser
	out io.Reader
	id  uint32
}

// SFTP packet types and status codes used here.
const (
	fxpInit     = 1
	fxpOpen     = 3
	fxpClose    = 4
	fxpWrite    = 6
	fxpFsetstat = 10
	fxpStatus   = 101
	fxpHandle   = 102

	fxfWrite  = 0x02
	fxfCreat  = 0x08
	fxfTrunc  = 0x10
	attrSize  = 0x1
	fxOK      = 0
	fxFailure = 4
)

func newRawSFTP(t testing.TB, c *gossh.Client) *rawSFTP {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	in, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RequestSubsystem("sftp"); err != nil {
		t.Fatal(err)
	}
	r := &rawSFTP{t: t, in: in, out: out}
	r.send(fxpInit, u32(3))
	if typ, _ := r.recv(); typ != 2 {
		t.Fatalf("sftp init: got packet type %d", typ)
	}
	return r
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
func str(s string) []byte { return append(u32(uint32(len(s))), s...) } //nolint:gosec // test strings are short

func (r *rawSFTP) send(typ byte, parts ...[]byte) {
	r.t.Helper()
	body := []byte{typ}
	for _, p := range parts {
		body = append(body, p...)
	}
	if _, err := r.in.Write(append(u32(uint32(len(body))), body...)); err != nil { //nolint:gosec // small
		r.t.Fatal(err)
	}
}

func (r *rawSFTP) recv() (byte, []byte) {
	r.t.Helper()
	var n [4]byte
	if _, err := io.ReadFull(r.out, n[:]); err != nil {
		r.t.Fatalf("sftp read: %v", err)
	}
	body := make([]byte, binary.BigEndian.Uint32(n[:]))
	if _, err := io.ReadFull(r.out, body); err != nil {
		r.t.Fatalf("sftp read: %v", err)
	}
	return body[0], body[1:]
}

// request sends a packet with a fresh id and returns the reply's type and
// payload after the id.
func (r *rawSFTP) request(typ byte, parts ...[]byte) (byte, []byte) {
	r.t.Helper()
	r.id++
	r.send(typ, append([][]byte{u32(r.id)}, parts...)...)
	rt, body := r.recv()
	if len(body) < 4 || binary.BigEndian.Uint32(body) != r.id {
		r.t.Fatalf("sftp reply to %d has the wrong id", r.id)
	}
	return rt, body[4:]
}

// status reads a STATUS reply: its code and message.
func status(t testing.TB, typ byte, body []byte) (uint32, string) {
	t.Helper()
	if typ != fxpStatus {
		t.Fatalf("want a status, got packet type %d", typ)
	}
	code := binary.BigEndian.Uint32(body)
	n := binary.BigEndian.Uint32(body[4:])
	return code, string(body[8 : 8+n])
}

// open opens path with flags and attributes (nil for none) and returns
// the handle, or "" and the refusal.
func (r *rawSFTP) open(path string, flags uint32, attrs []byte) (string, error) {
	r.t.Helper()
	if attrs == nil {
		attrs = u32(0)
	}
	typ, body := r.request(fxpOpen, str(path), u32(flags), attrs)
	if typ == fxpHandle {
		n := binary.BigEndian.Uint32(body)
		return string(body[4 : 4+n]), nil
	}
	code, msg := status(r.t, typ, body)
	return "", fmt.Errorf("status %d: %s", code, msg)
}

// write writes data at off through handle and returns the status (or
// code 255 if the reply is not a status at all).
func (r *rawSFTP) write(handle string, off uint64, data []byte) (uint32, string) {
	r.t.Helper()
	typ, body := r.request(fxpWrite, str(handle), u64(off), str(string(data)))
	if typ != fxpStatus {
		return 255, fmt.Sprintf("reply of type %d", typ)
	}
	return status(r.t, typ, body)
}

// close closes handle and returns the status.
func (r *rawSFTP) close(handle string) (uint32, string) {
	r.t.Helper()
	typ, body := r.request(fxpClose, str(handle))
	return status(r.t, typ, body)
}

func itoa(i int) string { return fmt.Sprint(i) }

func errorsAs(err error, target any) bool { return errors.As(err, target) }
