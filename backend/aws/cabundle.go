package aws

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// tlsDialer makes the TLS connections of a store whose certificates are
// checked against a CA bundle file (Config.CABundle). The bundle is read
// and parsed at the first TLS handshake, not when the store opens: a
// system bundle of a few hundred certificates takes about 10 ms to parse,
// which every command paid at its start even when every endpoint was
// plain HTTP, as the SDK does with the AWS_CA_BUNDLE it finds.
type tlsDialer struct {
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	timeout time.Duration // of a handshake, as the transport's TLSHandshakeTimeout
	roots   func() (*x509.CertPool, error)
}

// newTLSDialer returns a dialer over dial whose roots are the
// certificates of the PEM file bundle, read once when first needed.
func newTLSDialer(bundle string, timeout time.Duration, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *tlsDialer {
	return &tlsDialer{
		dial:    dial,
		timeout: timeout,
		roots: sync.OnceValues(func() (*x509.CertPool, error) {
			pem, err := os.ReadFile(bundle)
			if err != nil {
				return nil, fmt.Errorf("CA bundle: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("CA bundle %s: no certificate in it", bundle)
			}
			return pool, nil
		}),
	}
}

// DialTLSContext dials addr and makes a TLS client connection on it,
// checking the server's certificate chain against the bundle and its
// name against addr's host, as crypto/tls does by default.
func (d *tlsDialer) DialTLSContext(ctx context.Context, network, addr string) (net.Conn, error) {
	roots, err := d.roots()
	if err != nil {
		return nil, err
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	raw, err := d.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	conn := tls.Client(raw, &tls.Config{RootCAs: roots, ServerName: host, MinVersion: tls.VersionTLS12})
	hctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	if err := conn.HandshakeContext(hctx); err != nil {
		_ = raw.Close()
		return nil, err
	}
	return conn, nil
}
