package aws

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
)

// signer signs direct requests with AWS Signature Version 4, as the
// SDK's v4.Signer does for S3 (every header but the five it ignores
// signed; the path as escaped, not escaped twice), without its
// per-request maps, sorting of copies and key-cache lookups: a sixth of
// the CPU a small PUT still cost. The canonical request, the string to
// sign and the Authorization header are written into one buffer of a
// pool, with the day's HMAC kept beside it (made anew per request, they
// were 32 allocations and 3 KB of every PUT, on a heap an upload does not
// collect early). Its signatures are checked against the SDK's
// (TestSignerSignsAsTheSDK).
type signer struct {
	service, region string

	mu  sync.Mutex
	key signingKey // the last day's key

	scratch sync.Pool // of *signScratch
}

// signingKey is the key derived for one day, scope and secret.
type signingKey struct {
	day, secret string
	key         []byte
}

// signScratch is what one signature is written into; the pool bounds
// them by the signatures made at once.
type signScratch struct {
	buf   []byte
	names []string // the headers signed, as the request names them
	mac   hash.Hash
	key   []byte // the key mac was made with
}

// ignoredHeaders are the headers the SDK's signer leaves unsigned.
var ignoredHeaders = []string{"Authorization", "User-Agent", "X-Amzn-Trace-Id", "Expect", "Transfer-Encoding"}

// sign sets r's X-Amz-Date, X-Amz-Security-Token (if any) and
// Authorization headers for payloadHash (hex SHA-256 of the body) at t.
func (s *signer) sign(r *http.Request, creds sdkaws.Credentials, payloadHash string, t time.Time) {
	var date [16]byte
	amzDate := string(t.UTC().AppendFormat(date[:0], "20060102T150405Z"))
	day := amzDate[:8]
	r.Header.Set("X-Amz-Date", amzDate)
	if creds.SessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", creds.SessionToken)
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	sc, _ := s.scratch.Get().(*signScratch)
	if sc == nil {
		sc = &signScratch{buf: make([]byte, 0, 1024)}
	}
	defer s.scratch.Put(sc)

	// The names, lower-cased as they are written, sorted as their
	// lower-case forms sort.
	names := append(sc.names[:0], "host")
	if r.ContentLength > 0 {
		names = append(names, "content-length")
	}
	for k := range r.Header {
		// Host and Content-Length are signed as net/http sends them
		// (r.Host, r.ContentLength), whatever the header map says.
		if slices.Contains(ignoredHeaders, k) || strings.EqualFold(k, "content-length") || strings.EqualFold(k, "host") {
			continue
		}
		names = append(names, k)
	}
	slices.SortFunc(names, compareFold)
	names = slices.CompactFunc(names, strings.EqualFold)
	sc.names = names

	b := append(sc.buf[:0], r.Method...)
	b = append(b, '\n')
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	b = append(b, path...)
	b = append(b, '\n')
	b = append(b, r.URL.RawQuery...) // built canonical by the caller
	b = append(b, '\n')
	for _, name := range names {
		b = appendLower(b, name)
		b = append(b, ':')
		switch name {
		case "host":
			b = appendStripped(b, host)
		case "content-length":
			b = strconv.AppendInt(b, r.ContentLength, 10)
		default:
			for i, v := range r.Header.Values(name) {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendStripped(b, strings.TrimSpace(v))
			}
		}
		b = append(b, '\n')
	}
	b = append(b, '\n')
	signedAt := len(b)
	for i, name := range names {
		if i > 0 {
			b = append(b, ';')
		}
		b = appendLower(b, name)
	}
	signedEnd := len(b)
	b = append(b, '\n')
	b = append(b, payloadHash...)
	canonical := sha256.Sum256(b)

	// The string to sign, after the canonical request (whose signed
	// headers the Authorization header repeats).
	toSign := len(b)
	b = append(b, "AWS4-HMAC-SHA256\n"...)
	b = append(b, amzDate...)
	b = append(b, '\n')
	scopeAt := len(b)
	b = append(b, day...)
	b = append(b, '/')
	b = append(b, s.region...)
	b = append(b, '/')
	b = append(b, s.service...)
	b = append(b, "/aws4_request"...)
	scopeEnd := len(b)
	b = append(b, '\n')
	b = hex.AppendEncode(b, canonical[:])
	key := s.keyFor(day, creds.SecretAccessKey)
	if sc.mac == nil || !bytes.Equal(sc.key, key) {
		sc.mac, sc.key = hmac.New(sha256.New, key), key
	}
	sc.mac.Reset()
	sc.mac.Write(b[toSign:])
	var sum [sha256.Size]byte
	sig := sc.mac.Sum(sum[:0])

	auth := len(b)
	b = append(b, "AWS4-HMAC-SHA256 Credential="...)
	b = append(b, creds.AccessKeyID...)
	b = append(b, '/')
	b = append(b, b[scopeAt:scopeEnd]...)
	b = append(b, ", SignedHeaders="...)
	b = append(b, b[signedAt:signedEnd]...)
	b = append(b, ", Signature="...)
	b = hex.AppendEncode(b, sig)
	r.Header.Set("Authorization", string(b[auth:]))
	sc.buf = b
}

// compareFold orders header names as their lower-case forms sort.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if x, y := lower(a[i]), lower(b[i]); x != y {
			return int(x) - int(y)
		}
	}
	return len(a) - len(b)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// appendLower appends name lower-cased (header names are ASCII).
func appendLower(b []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		b = append(b, lower(name[i]))
	}
	return b
}

// keyFor returns the signing key of day for secret, derived once a day.
func (s *signer) keyFor(day, secret string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key.day == day && s.key.secret == secret {
		return s.key.key
	}
	k := hmacSHA256([]byte("AWS4"+secret), day)
	k = hmacSHA256(k, s.region)
	k = hmacSHA256(k, s.service)
	k = hmacSHA256(k, "aws4_request")
	s.key = signingKey{day: day, secret: secret, key: k}
	return k
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// appendStripped appends v with each run of spaces inside it made one,
// as the SDK's signer does with header values (leading and trailing
// ones are trimmed by the caller).
func appendStripped(b []byte, v string) []byte {
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b = append(b, c)
	}
	return b
}
