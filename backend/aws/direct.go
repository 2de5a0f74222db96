package aws

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyauth "github.com/aws/smithy-go/auth"
	"github.com/aws/smithy-go/encoding/httpbinding"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/coopterm/coop/backend"
)

// direct sends S3 requests signed here, outside the SDK's middleware
// pipeline: some twenty steps per request (endpoint rules, user agent,
// recursion detection, checksum set-up, metrics…) that give the same
// answer for every small PUT of a store, and were a quarter of the CPU
// of an upload of many small files. What the steps did that matters is
// done once per store (the endpoint and signing scope, resolved by the
// SDK's own rules) or per request as the SDK does it: the SigV4
// signature with the payload hash already known (see signer), the client's own
// retryer (its retry quota and adaptive rate shared with the SDK's
// calls: a 503 SlowDown is retried as there, and reaches the caller as
// the same error), and errors of the SDK's types, so that apiCode and
// the messages see no difference. It is used only where the SDK's rules
// give a plain SigV4 endpoint with credentials; elsewhere (S3 Express,
// access points, anonymous access) the SDK's pipeline is used as before.
//
// Requests built here: PutObject (put.go), UploadPart (multipart.go).
type direct struct {
	base    url.URL // the bucket's endpoint
	service string  // signing name
	region  string  // signing region
	headers http.Header
	creds   sdkaws.CredentialsProvider
	client  s3.HTTPClient
	retryer sdkaws.RetryerV2
	signer  *signer
	agent   string
	// off is set once a request was refused for the machine's clock:
	// from then on the SDK, which corrects for the skew, sends them.
	off atomic.Bool
	// verifies is set once the server answered a body sent with its
	// SHA-256 as x-amz-checksum-sha256 with that checksum: it checks
	// and keeps such checksums (S3 does; a server that ignores them
	// answers none), so later bodies are sent UNSIGNED-PAYLOAD (see
	// bodyHash).
	verifies atomic.Bool
}

// unsignedPayload is the x-amz-content-sha256 of a body whose signature
// does not cover its bytes.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// bodyHash is the x-amz-content-sha256 to send with a body whose
// SHA-256 is sum, sent as its x-amz-checksum-sha256 too. S3 checks each
// of them by hashing the body again, so both cost the server a SHA-256
// of every byte; once the server has shown that it checks the checksum
// (see verified), the signature leaves the bytes out and the checksum
// alone is checked: a body that is not what was hashed is refused as
// before (BadDigest), with one hash on the server's side, not two. Until
// then the payload's hash is signed, which every SigV4 server checks.
func (d *direct) bodyHash(sum []byte) string {
	if d.verifies.Load() {
		return unsignedPayload
	}
	return hex.EncodeToString(sum)
}

// verified notes whether resp, the answer to a body sent with checksum
// as its x-amz-checksum-sha256, shows that the server checked it.
func (d *direct) verified(resp *http.Response, checksum string) {
	if !d.verifies.Load() && resp.Header.Get("X-Amz-Checksum-Sha256") == checksum {
		d.verifies.Store(true)
	}
}

// directAgent is the User-Agent of direct requests.
const directAgent = "coop aws-sdk-go-v2/" + sdkaws.SDKVersion + " os/" + runtime.GOOS + " lang/go"

// newDirect resolves what every direct request of the client shares, or
// returns nil when the SDK's pipeline must send them.
func newDirect(ctx context.Context, c *s3.Client, bucket string) *direct {
	o := c.Options()
	if o.Credentials == nil || o.EndpointResolverV2 == nil || o.HTTPClient == nil {
		return nil
	}
	if _, anon := o.Credentials.(sdkaws.AnonymousCredentials); anon {
		return nil
	}
	r, ok := o.Retryer.(sdkaws.RetryerV2)
	if !ok {
		return nil
	}
	p := s3.EndpointParameters{
		Bucket:                         &bucket,
		Region:                         &o.Region,
		UseFIPS:                        sdkaws.Bool(o.EndpointOptions.UseFIPSEndpoint == sdkaws.FIPSEndpointStateEnabled),
		UseDualStack:                   sdkaws.Bool(o.EndpointOptions.UseDualStackEndpoint == sdkaws.DualStackEndpointStateEnabled),
		Endpoint:                       o.BaseEndpoint,
		ForcePathStyle:                 sdkaws.Bool(o.UsePathStyle),
		Accelerate:                     sdkaws.Bool(o.UseAccelerate),
		DisableMultiRegionAccessPoints: sdkaws.Bool(o.DisableMultiRegionAccessPoints),
		UseArnRegion:                   sdkaws.Bool(o.UseARNRegion),
		DisableS3ExpressSessionAuth:    o.DisableS3ExpressSessionAuth,
		Key:                            sdkaws.String("k"),
	}
	ep, err := o.EndpointResolverV2.ResolveEndpoint(ctx, p)
	if err != nil {
		return nil
	}
	d := &direct{
		base: ep.URI, headers: ep.Headers, creds: o.Credentials, client: o.HTTPClient,
		retryer: r, service: "s3", region: o.Region, agent: directAgent,
	}
	if o.EndpointOptions.DisableHTTPS {
		d.base.Scheme = "http" // as the SDK's own middleware does
	}
	if d.base.RawPath == "" {
		d.base.RawPath = d.base.Path
	}
	if opts, ok := smithyauth.GetAuthOptions(&ep.Properties); ok {
		// The rules name the scheme "sigv4", the SDK "aws.auth#sigv4".
		if len(opts) != 1 || (opts[0].SchemeID != "sigv4" && opts[0].SchemeID != smithyauth.SchemeIDSigV4) {
			return nil // SigV4a, S3 Express sessions…: the SDK's
		}
		sp := &opts[0].SignerProperties
		if v, ok := smithyhttp.GetSigV4SigningName(sp); ok {
			d.service = v
		}
		if v, ok := smithyhttp.GetSigV4SigningRegion(sp); ok {
			d.region = v
		}
		if v, ok := smithyhttp.GetDisableDoubleEncoding(sp); ok && !v {
			return nil
		}
		if v, ok := smithyhttp.GetIsUnsignedPayload(sp); ok && v {
			return nil
		}
	}
	d.signer = &signer{service: d.service, region: d.region}
	return d
}

// active reports whether d sends requests, not the SDK.
func (d *direct) active() bool { return d != nil && !d.off.Load() }

// objectURL is the URL of key in the bucket, with the key escaped as the
// SDK escapes a greedy path label.
func (d *direct) objectURL(key, query string) *url.URL {
	u := d.base
	u.Path = smithyhttp.JoinPath(u.Path, "/"+key)
	u.RawPath = smithyhttp.JoinPath(u.RawPath, "/"+httpbinding.EscapePath(key, false))
	u.RawQuery = query
	return &u
}

// request is one direct request: how to build each attempt's (its
// query canonical already: keys sorted, values escaped), what the
// payload's SHA-256 is (hex), and the operation's name for errors.
type request struct {
	op          string
	payloadHash string
	build       func(ctx context.Context) (*http.Request, error)
}

// do sends req, retried as the SDK's retry loop does with the client's
// retryer, and returns a response with a 2xx status (its body for the
// caller to read and close) or an error of the SDK's types.
func (d *direct) do(ctx context.Context, req request) (*http.Response, error) {
	maxAttempts := d.retryer.MaxAttempts()
	releaseRetry := func(error) error { return nil }
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, d.opError(req.op, err)
		}
		releaseAttempt, err := d.retryer.GetAttemptToken(ctx)
		if err != nil {
			return nil, d.opError(req.op, err)
		}
		resp, err := d.attempt(ctx, req)
		_ = releaseRetry(err)
		_ = releaseAttempt(err)
		if err == nil {
			return resp, nil
		}
		if g := backend.GateOf(ctx); g != nil && g.Refused() != nil {
			return nil, g.Refused() // cut off on purpose (see setBody): not sent again
		}
		if isCode(err, "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture") {
			d.off.Store(true)
			return nil, errSkewed{d.opError(req.op, err)}
		}
		if !d.retryer.IsErrorRetryable(err) {
			return nil, d.opError(req.op, err)
		}
		if maxAttempts > 0 && attempt >= maxAttempts {
			return nil, d.opError(req.op, &retry.MaxAttemptsError{Attempt: attempt, Err: err})
		}
		release, qerr := d.retryer.GetRetryToken(ctx, err)
		if qerr != nil { // the retry quota is spent: the failure and why it is not retried
			return nil, d.opError(req.op, errors.Join(err, qerr))
		}
		releaseRetry = release
		delay, err := d.retryer.RetryDelay(attempt, err)
		if err != nil {
			return nil, d.opError(req.op, err)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, d.opError(req.op, &sdkaws.RequestCanceledError{Err: ctx.Err()})
		case <-t.C:
		}
	}
}

// errSkewed is a request refused for the machine's clock, sent again
// through the SDK, which corrects for the skew.
type errSkewed struct{ error }

func (e errSkewed) Unwrap() error { return e.error }

// attempt signs and sends one attempt of req.
func (d *direct) attempt(ctx context.Context, req request) (*http.Response, error) {
	hr, err := req.build(ctx)
	if err != nil {
		return nil, err
	}
	for k := range d.headers {
		hr.Header.Set(k, d.headers.Get(k))
	}
	hr.Header.Set("User-Agent", d.agent)
	hr.Header.Set("Accept-Encoding", "identity")
	hr.Header.Set("X-Amz-Content-Sha256", req.payloadHash)
	creds, err := d.creds.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	d.signer.sign(hr, creds, req.payloadHash, time.Now())
	resp, err := d.client.Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &smithy.CanceledError{Err: ctx.Err()}
		}
		return nil, &smithyhttp.RequestSendError{Err: err}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	return nil, responseError(resp)
}

// responseError reads an S3 error answer into the SDK's error types
// (code, message and request id from its XML body, or the status alone).
func responseError(resp *http.Response) error {
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		Code      string
		Message   string
		RequestID string `xml:"RequestId"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if len(bytes.TrimSpace(raw)) > 0 {
		_ = xml.Unmarshal(raw, &body)
	}
	if body.Code == "" {
		body.Code = strings.ReplaceAll(http.StatusText(resp.StatusCode), " ", "")
	}
	if body.RequestID == "" {
		body.RequestID = resp.Header.Get("X-Amz-Request-Id")
	}
	return &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: resp},
			Err:      &smithy.GenericAPIError{Code: body.Code, Message: body.Message},
		},
		RequestID: body.RequestID,
	}
}

// opError wraps err as the SDK wraps an operation's errors.
func (d *direct) opError(op string, err error) error {
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		return err
	}
	return &smithy.OperationError{ServiceID: "S3", OperationName: op, Err: err}
}

// drain reads what is left of a response's body and closes it, so that
// its connection is kept for the next request.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}
