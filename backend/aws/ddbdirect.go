package aws

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	smithyauth "github.com/aws/smithy-go/auth"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The repository's GetItem — every command's first question, the access
// layer's lookup, and the last answer of a `coop stat` — is signed and
// sent by the store itself, as S3's HEAD and GET are (see direct): the
// SDK's pipeline for one GetItem (endpoint rules, auth scheme choice, user
// agent, retry and checksum middlewares, the generated deserialiser) made
// about 410 allocations of it, this path about 170. Only a 200 answer
// whose CRC32 (X-Amz-Crc32, as the SDK checks it) and JSON are whole is
// taken from this path; anything else — an error answer, a failed
// connection, an unreadable body, a refused clock — sends the request
// again through the SDK, so errors, retries and clock-skew correction are
// exactly the SDK's. A signature the service refused (a clock off by
// minutes, which the SDK corrects for) turns the path off for the store.

// ddbDirect sends GetItem requests for a DynamoDB client, or is nil when
// the SDK must send them all.
type ddbDirect struct {
	client    dynamodb.HTTPClient
	creds     sdkaws.CredentialsProvider
	resolver  dynamodb.EndpointResolverV2
	params    dynamodb.EndpointParameters // with the table left to each request
	accountID bool                        // the endpoint may name the caller's account
	https     bool
	// signer signs for the client's region; an endpoint that asks for
	// another scope gets a signer of its own.
	signer *signer
	// off is set once a signature was refused: from then on the SDK
	// sends every GetItem.
	off atomic.Bool
}

// newDDBDirect resolves what every direct GetItem of c shares, or
// returns nil when the SDK's pipeline must send them (no credentials or
// anonymous ones, an account id the endpoint requires).
func newDDBDirect(c *dynamodb.Client) *ddbDirect {
	o := c.Options()
	if o.Credentials == nil || o.EndpointResolverV2 == nil || o.HTTPClient == nil {
		return nil
	}
	if _, anon := o.Credentials.(sdkaws.AnonymousCredentials); anon {
		return nil
	}
	if o.AccountIDEndpointMode == sdkaws.AccountIDEndpointModeRequired {
		return nil
	}
	d := &ddbDirect{
		client: o.HTTPClient, creds: o.Credentials, resolver: o.EndpointResolverV2,
		accountID: o.AccountIDEndpointMode != sdkaws.AccountIDEndpointModeDisabled,
		https:     !o.EndpointOptions.DisableHTTPS,
		params: dynamodb.EndpointParameters{
			Region:                &o.Region,
			UseDualStack:          sdkaws.Bool(o.EndpointOptions.UseDualStackEndpoint == sdkaws.DualStackEndpointStateEnabled),
			UseFIPS:               sdkaws.Bool(o.EndpointOptions.UseFIPSEndpoint == sdkaws.FIPSEndpointStateEnabled),
			Endpoint:              o.BaseEndpoint,
			AccountIdEndpointMode: sdkaws.String(string(o.AccountIDEndpointMode)),
		},
	}
	if o.Region == "" {
		return nil
	}
	d.signer = &signer{service: "dynamodb", region: o.Region}
	return d
}

// getItemAttrs reads the item of table at key (a consistent read), through
// the direct path when it can, else through the SDK. A missing item is
// an empty map; an error is the SDK's.
func (s *Store) getItemAttrs(ctx context.Context, table string, key map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	if s.ddbDirect != nil && !s.ddbDirect.off.Load() {
		if item, ok := s.ddbDirect.getItem(ctx, table, key); ok {
			return item, nil
		}
	}
	out, err := s.ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: ptr(true)})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}

// getItem sends one GetItem and reports whether its answer is to be
// taken (see the comment at the top of this file).
func (d *ddbDirect) getItem(ctx context.Context, table string, key map[string]types.AttributeValue) (map[string]types.AttributeValue, bool) {
	body, ok := appendGetItemBody(make([]byte, 0, 256), table, key)
	if !ok {
		return nil, false
	}
	creds, err := d.creds.Retrieve(ctx)
	if err != nil || creds.AccessKeyID == "" {
		return nil, false
	}
	p := d.params
	p.ResourceArn = &table
	if d.accountID && creds.AccountID != "" {
		p.AccountId = &creds.AccountID
	}
	ep, err := d.resolver.ResolveEndpoint(ctx, p)
	if err != nil {
		return nil, false
	}
	service, region := "dynamodb", *d.params.Region
	if opts, ok := smithyauth.GetAuthOptions(&ep.Properties); ok {
		if len(opts) != 1 || (opts[0].SchemeID != "sigv4" && opts[0].SchemeID != smithyauth.SchemeIDSigV4) {
			return nil, false
		}
		sp := &opts[0].SignerProperties
		if v, ok := smithyhttp.GetSigV4SigningName(sp); ok {
			service = v
		}
		if v, ok := smithyhttp.GetSigV4SigningRegion(sp); ok {
			region = v
		}
	}
	u := ep.URI
	if !d.https {
		u.Scheme = "http" // as the SDK's own middleware does
	}
	if u.Path == "" {
		u.Path = "/"
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, false
	}
	for k := range ep.Headers {
		r.Header.Set(k, ep.Headers.Get(k))
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
	r.Header.Set("User-Agent", directAgent)
	r.Header.Set("Accept-Encoding", "identity")
	sum := sha256.Sum256(body)
	sg := d.signer
	if sg.service != service || sg.region != region {
		sg = &signer{service: service, region: region}
	}
	sg.sign(r, creds, hex.EncodeToString(sum[:]), time.Now())
	resp, err := d.client.Do(r)
	if err != nil {
		return nil, false
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		if resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusForbidden {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			if bytes.Contains(b, []byte("Signature")) {
				d.off.Store(true)
			}
		}
		return nil, false
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20)) // an item is at most 400 KB
	if err != nil || len(raw) == 1<<20 {
		return nil, false
	}
	if v := resp.Header.Get("X-Amz-Crc32"); v != "" {
		want, err := strconv.ParseUint(v, 10, 32)
		if err != nil || crc32.ChecksumIEEE(raw) != uint32(want) {
			return nil, false
		}
	}
	item, err := decodeGetItemOutput(raw)
	if err != nil {
		return nil, false
	}
	return item, true
}
