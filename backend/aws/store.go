// Package aws is coop's store on AWS, or on any S3- and
// DynamoDB-compatible service: accounts and repositories in two DynamoDB
// tables, repository contents under {account_id}/{repository_id}/ in one
// S3 bucket, and each repository's .source-metadata.json beside them.
//
// Every list call is one Query (catalog) or one ListObjectsV2 (objects);
// no code path scans a table. Metadata writes are conditional PUTs
// (If-Match / If-None-Match) retried with jitter, so concurrent writers,
// in one process or many, never lose an update.
package aws

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/logging"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/metaindex"
)

// Defaults a Config falls back to.
const (
	DefaultAccountsTable     = "Accounts"
	DefaultRepositoriesTable = "Repositories"
	// DefaultTimeout bounds one request: connecting, and waiting for the
	// answer (not the download of a body).
	DefaultTimeout = 15 * time.Second
	// DefaultRegion is used when neither the Config nor the AWS profile
	// names one.
	DefaultRegion = "us-east-1"
)

// Server-side encryption modes Config.SSE accepts.
const (
	SSENone   = ""
	SSEAES256 = "AES256"
	SSEKMS    = "aws:kms"
)

// Config says where the store lives and how to reach it. Credentials come
// from the standard AWS chain (environment, shared config and profiles,
// SSO, credential_process), which the SDK caches and refreshes.
type Config struct {
	// Bucket holds every repository's objects; required.
	Bucket string
	// Region of the bucket and tables; empty uses the profile's region,
	// then DefaultRegion.
	Region string
	// Profile selects a shared-config profile; empty uses the default chain.
	Profile string
	// EndpointURL points S3 at a compatible service (versitygw, MinIO…).
	EndpointURL string
	// DynamoDBEndpoint points DynamoDB at a compatible service (DynamoDB
	// Local…); empty uses AWS.
	DynamoDBEndpoint string
	// PathStyle addresses buckets as endpoint/bucket/key, as most
	// S3-compatible services need.
	PathStyle bool
	// AccountsTable and RepositoriesTable name the tables; empty uses
	// DefaultAccountsTable and DefaultRepositoriesTable.
	AccountsTable     string
	RepositoriesTable string
	// SSE asks S3 to encrypt what coop writes: SSENone, SSEAES256 or SSEKMS.
	SSE string
	// Timeout bounds one request (connect and answer); 0 uses DefaultTimeout.
	Timeout time.Duration
	// CacheDir holds the indexes of metadata documents (a local copy of
	// each, sorted, and its block table), shared by the processes of the
	// machine; empty uses coop/metaindex in the user's cache folder.
	CacheDir string
	// CABundle names a PEM file of the certificate authorities to trust
	// for HTTPS endpoints instead of the system's, as AWS_CA_BUNDLE does
	// for the SDK; it is read at the first TLS handshake, not at Open.
	CABundle string
	// PreDial opens connections to the endpoints as Open starts, so
	// that the first requests find them open (see PreDial).
	PreDial PreDial
	// Dialer, if set, holds connections a caller started before Open
	// (StartPreDial); Open takes it, tops it up to PreDial, and the
	// Store closes it (as Open does when it fails).
	Dialer *PreDialer
	// LazyBucketCheck skips Open's check of the bucket, a round trip
	// before any work: the bucket is listed only when a request fails in
	// a way it may be the cause of, and that request's error then says
	// what is wrong with the bucket, as Open's would have.
	LazyBucketCheck bool
}

// Store is a backend.Store on DynamoDB and S3. Its methods are safe for
// concurrent use.
type Store struct {
	cfg Config
	ddb *dynamodb.Client
	s3  *s3.Client
	// bucket is what is known of the bucket (LazyBucketCheck).
	bucket bucketCheck
	// uploading counts this Store's multipart uploads per key.
	uploading keySet
	// bodies are the buffers small objects are read into (see bodyPool).
	bodies bodyPool
	// versions keeps the index of each repository's metadata document
	// open, shared by every caller of the Store (see metaindex.go).
	versions metaindex.Cache
	// walkSplit is how a walk is split (see walk.go); the zero value is
	// the default, tests set smaller ones.
	walkSplit walkSplit
	// missing are the repositories found without a document.
	missing missingDocs
	// removed are the types of the entries of objects batches removed,
	// read ahead of the metadata write that drops them (removals.go).
	removed removalTypes
	// s3Where and ddbWhere name the endpoints in messages.
	s3Where, ddbWhere string
	// dials hands out the connections opened ahead (Config.PreDial).
	dials *preDialer
	// direct sends the requests coop signs itself (nil: the SDK sends
	// them all).
	direct *direct
	// ddbDirect sends the GetItem requests coop signs itself (nil: the
	// SDK sends them).
	ddbDirect *ddbDirect
}

var _ backend.Store = (*Store)(nil)

// withDefaults fills the empty fields of c and checks the rest.
func (c Config) withDefaults() (Config, error) {
	c.Bucket = strings.TrimSpace(c.Bucket)
	if c.Bucket == "" {
		return c, fmt.Errorf("%w config: no bucket given (--bucket or COOP_BUCKET)", backend.ErrInvalid)
	}
	if c.AccountsTable == "" {
		c.AccountsTable = DefaultAccountsTable
	}
	if c.RepositoriesTable == "" {
		c.RepositoriesTable = DefaultRepositoriesTable
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return c, fmt.Errorf("%w config: no cache folder for metadata indexes: %w", backend.ErrInvalid, err)
		}
		c.CacheDir = filepath.Join(dir, "coop", "metaindex")
	}
	switch c.SSE {
	case SSENone, SSEAES256, SSEKMS:
	default:
		return c, fmt.Errorf("%w config: server-side encryption %q: use \"\", %q or %q", backend.ErrInvalid, c.SSE, SSEAES256, SSEKMS)
	}
	for _, ep := range []string{c.EndpointURL, c.DynamoDBEndpoint} {
		if ep == "" {
			continue
		}
		u, err := url.Parse(ep)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("%w config: endpoint %q: want http://host:port or https://host", backend.ErrInvalid, ep)
		}
	}
	return c, nil
}

// Open builds a Store from cfg and checks that the bucket can be reached
// with the credentials found, so that a wrong endpoint, wrong credentials
// or a missing bucket fail here, within cfg.Timeout, with a message that
// says which. Tables are not checked: a call on a missing table fails
// with backend.ErrNotInitialized until Init creates it.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		cfg.Dialer.Close()
		return nil, err
	}
	var dials *preDialer
	if cfg.Dialer != nil {
		dials = cfg.Dialer.p
		cfg.Dialer = nil // the Store owns it now; Config() does not hand it out
	} else {
		dials = newPreDialer(&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second})
	}
	dials.startEndpoints(cfg, cfg.Region)
	// A BuildableClient, so that the SDK can still add a CA bundle
	// (AWS_CA_BUNDLE) to it. It follows no redirects.
	httpc := awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = cfg.Timeout }).
		WithTransportOptions(func(t *http.Transport) {
			t.ResponseHeaderTimeout = cfg.Timeout
			t.TLSHandshakeTimeout = cfg.Timeout
			// As many kept connections as requests in flight (up to
			// 1,024 transfers and their parts): a connection closed
			// and opened again costs a handshake's round trip.
			t.MaxIdleConns = 0
			t.MaxIdleConnsPerHost = 1100
			t.DialContext = bodyConns(dials.DialContext)
			if cfg.CABundle != "" {
				// The transport's TLS (and a CA bundle the SDK would
				// add to it) is not used then: the dialer checks the
				// chain against the bundle, read when first needed.
				t.DialTLSContext = newTLSDialer(cfg.CABundle, cfg.Timeout, dials.DialContext).DialTLSContext
			}
		})
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(httpc),
		config.WithRetryer(func() sdkaws.Retryer { return retry.NewAdaptiveMode() }),
		// The SDK logs warnings to stderr, which would tear a terminal
		// UI; everything that matters comes back as an error instead.
		config.WithLogger(logging.Nop{}),
	}
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
	}
	lctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	awsCfg, err := config.LoadDefaultConfig(lctx, opts...)
	if err != nil {
		dials.close()
		return nil, fmt.Errorf("load AWS configuration: %w: %w", backend.ErrUnauthorized, err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = DefaultRegion
	}
	if cfg.Region == "" {
		dials.startEndpoints(cfg, awsCfg.Region)
	}
	cfg.Region = awsCfg.Region
	s := &Store{cfg: cfg, dials: dials}
	s.ddb = dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if cfg.DynamoDBEndpoint != "" {
			o.BaseEndpoint = sdkaws.String(cfg.DynamoDBEndpoint)
		}
	})
	s.s3 = s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.EndpointURL != "" {
			o.BaseEndpoint = sdkaws.String(cfg.EndpointURL)
		}
		o.UsePathStyle = cfg.PathStyle
		o.DisableLogOutputChecksumValidationSkipped = true
		// The SDK checks a response's checksum only where a call asks
		// for it (GetObject does); GetObjectRange's callers check the
		// content themselves, and a second SHA-256 of every body cost a
		// download of many small files a fifth of its time.
		o.ResponseChecksumValidation = sdkaws.ResponseChecksumValidationWhenRequired
		o.APIOptions = append(o.APIOptions, wholeObjectChecksumsOnly)
		if cfg.LazyBucketCheck {
			o.APIOptions = append(o.APIOptions, s.lazyBucketCheck)
		}
	})
	s.direct = newDirect(ctx, s.s3, cfg.Bucket)
	s.ddbDirect = newDDBDirect(s.ddb)
	s.s3Where = endpointName(cfg.EndpointURL, "S3 ("+cfg.Region+")")
	s.ddbWhere = endpointName(cfg.DynamoDBEndpoint, "DynamoDB ("+cfg.Region+")")
	if cfg.LazyBucketCheck {
		return s, nil
	}
	if err := s.checkBucket(ctx); err != nil {
		dials.close()
		return nil, err
	}
	return s, nil
}

func endpointName(ep, def string) string {
	if ep == "" {
		return def
	}
	return ep
}

// checkBucket asks S3 whether the bucket exists and may be listed. It
// lists rather than HEADs: a HEAD answer has no body, so a refused key
// and a missing bucket can look alike (versitygw answers 404 to both).
func (s *Store) checkBucket(ctx context.Context) error {
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	_, err := s.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &s.cfg.Bucket, MaxKeys: ptr(int32(1))})
	if err == nil {
		return nil
	}
	return s.s3Error(ctx, "open bucket "+s.cfg.Bucket, err)
}

// Location describes the store as "s3://bucket @ endpoint".
func (s *Store) Location() string {
	return "s3://" + s.cfg.Bucket + " @ " + s.s3Where
}

// Config returns the configuration the store runs with, defaults filled in.
func (s *Store) Config() Config { return s.cfg }

// Close releases the store. It holds nothing open between calls (idle
// connections time out by themselves), so this only drops the metadata
// document it keeps and closes the pre-dialed connections left unused.
func (s *Store) Close() error {
	s.versions.Clear()
	s.dials.close()
	return nil
}

// sse returns the server-side encryption to ask for on writes.
func (s *Store) sse() s3types.ServerSideEncryption {
	return s3types.ServerSideEncryption(s.cfg.SSE)
}
