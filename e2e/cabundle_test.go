package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopterm/coop/internal/testservers"
)

// TestCABundleReadOnlyForTLS runs the real binary with AWS_CA_BUNDLE set.
// Over plain HTTP the bundle is never read (the SDK used to read and
// parse it at every start, and a missing file failed every command); over
// HTTPS the server's certificate is checked against it: trusted when the
// bundle holds its issuer, refused with one line when it does not.
func TestCABundleReadOnlyForTLS(t *testing.T) {
	dynamo := testservers.StartDynamo(t)
	s3srv := testservers.StartS3(t)
	bucket := testservers.UniqueName("cabundle")
	if err := s3srv.CreateBucket(t.Context(), bucket); err != nil {
		t.Fatal(err)
	}
	env := append(testservers.CoopEnv(dynamo, s3srv, bucket), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_CACHE_HOME="+t.TempDir())
	makeAcme(t, env)
	file := filepath.Join(t.TempDir(), "hello.txt")
	writeFile(t, file, "hello")
	wantRun(t, env, 0, "upload", file, "acme/data/")

	// Over HTTP a bundle that does not exist is not looked at.
	missing := append(env[:len(env):len(env)], "AWS_CA_BUNDLE="+filepath.Join(t.TempDir(), "no-such-bundle.pem"))
	if out, _ := wantRun(t, missing, 0, "ls", "acme/data"); !strings.Contains(out, "hello.txt") {
		t.Errorf("ls over HTTP with a missing AWS_CA_BUNDLE: %q", out)
	}

	// HTTPS in front of versitygw, and a bundle holding its certificate.
	target, err := url.Parse(s3srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	var served atomic.Int64
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		proxy.ServeHTTP(w, r)
	}))
	// Connections opened ahead and closed unused end without a handshake.
	front.Config.ErrorLog = log.New(io.Discard, "", 0)
	front.StartTLS()
	t.Cleanup(front.Close)
	dir := t.TempDir()
	bundle, wrong := filepath.Join(dir, "bundle.pem"), filepath.Join(dir, "wrong.pem")
	writePEM(t, bundle, front.Certificate().Raw)
	writePEM(t, wrong, selfSigned(t))

	https := append(env[:len(env):len(env)], "COOP_ENDPOINT_URL="+front.URL, "AWS_CA_BUNDLE="+bundle)
	if out, _ := wantRun(t, https, 0, "ls", "acme/data"); !strings.Contains(out, "hello.txt") {
		t.Errorf("ls over HTTPS with the server's CA in AWS_CA_BUNDLE: %q", out)
	}
	if served.Load() == 0 {
		t.Fatal("coop made no request through the HTTPS endpoint")
	}
	untrusted := append(env[:len(env):len(env)], "COOP_ENDPOINT_URL="+front.URL, "AWS_CA_BUNDLE="+wrong)
	_, errs := wantRun(t, untrusted, 1, "ls", "acme/data")
	if !strings.Contains(errs, "certificate") {
		t.Errorf("ls over HTTPS with a bundle that does not hold the server's CA: %q", errs)
	}
}

// selfSigned returns a new self-signed CA certificate (DER): every
// httptest server shares one certificate, so another server's is no
// stranger.
func selfSigned(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "not the server's CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// writePEM writes one DER certificate to path as PEM.
func writePEM(t *testing.T, path string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
