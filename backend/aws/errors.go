package aws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/coopterm/coop/backend"
)

// timeoutError is the cause of an opContext that ran out of time, which
// tells our own time-out from a caller's cancellation.
type timeoutError struct{ d time.Duration }

func (e timeoutError) Error() string { return fmt.Sprintf("no answer within %s", e.d) }

// opContext bounds one non-streaming call by the configured time-out.
func (s *Store) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, s.cfg.Timeout, timeoutError{s.cfg.Timeout})
}

// credentialHint says where credentials come from, for messages.
const credentialHint = "check the AWS credentials (AWS_PROFILE or --profile, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, `aws sso login`)"

// apiCode returns the service's error code and HTTP status, if any.
func apiCode(err error) (code string, status int) {
	var api smithy.APIError
	if errors.As(err, &api) {
		code = api.ErrorCode()
	}
	var resp *smithyhttp.ResponseError
	if errors.As(err, &resp) {
		status = resp.HTTPStatusCode()
	}
	return code, status
}

// transportError maps what is common to both services: our time-out, the
// caller's cancellation, an unreachable endpoint, missing credentials. It
// returns nil when err is none of these.
func transportError(ctx context.Context, op, where string, err error) error {
	var te timeoutError
	if errors.As(context.Cause(ctx), &te) {
		return fmt.Errorf("%s: %w: %s gave no answer within %s", op, backend.ErrUnavailable, where, te.d)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w", op, ctxErr)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return fmt.Errorf("%s: %w: cannot reach %s (%w)", op, backend.ErrUnavailable, where, opErr)
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return fmt.Errorf("%s: %w: cannot reach %s (%w)", op, backend.ErrUnavailable, where, netErr)
	}
	if msg := err.Error(); strings.Contains(msg, "get identity") || strings.Contains(msg, "retrieve credentials") {
		return fmt.Errorf("%s: %w: no usable AWS credentials for %s: %s (%w)", op, backend.ErrUnauthorized, where, credentialHint, err)
	}
	return nil
}

// s3Error maps an S3 failure to the backend's sentinel errors, with op as
// context. Callers handle the codes they expect (NoSuchKey, 412) first.
func (s *Store) s3Error(ctx context.Context, op string, err error) error {
	if e := transportError(ctx, op, s.s3Where, err); e != nil {
		return e
	}
	code, status := apiCode(err)
	switch {
	case code == "NoSuchBucket":
		return fmt.Errorf("%s: %w: bucket %q does not exist at %s; create it, or check --bucket and --endpoint-url", op, backend.ErrUnavailable, s.cfg.Bucket, s.s3Where)
	case isAuthCode(code) || status == 401 || status == 403:
		return fmt.Errorf("%s: %w: %s refused the request (%s); %s", op, backend.ErrUnauthorized, s.s3Where, codeOr(code, status), credentialHint)
	case code == "NoSuchKey" || code == "NotFound" || status == 404:
		return fmt.Errorf("%s: %w", op, backend.ErrNotFound)
	case code == "SlowDown" || status >= 500:
		return fmt.Errorf("%s: %w: %s is failing (%s): %w", op, backend.ErrUnavailable, s.s3Where, codeOr(code, status), err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// ddbError maps a DynamoDB failure on table to the backend's sentinel
// errors. Callers handle ConditionalCheckFailed first.
func (s *Store) ddbError(ctx context.Context, op, table string, err error) error {
	if e := transportError(ctx, op, s.ddbWhere, err); e != nil {
		return e
	}
	code, status := apiCode(err)
	switch {
	case code == "ResourceNotFoundException":
		return fmt.Errorf("%s: %w: DynamoDB table %q does not exist at %s", op, backend.ErrNotInitialized, table, s.ddbWhere)
	case isAuthCode(code) || status == 401 || status == 403:
		return fmt.Errorf("%s: %w: %s refused the request (%s); %s", op, backend.ErrUnauthorized, s.ddbWhere, codeOr(code, status), credentialHint)
	case code == "ThrottlingException" || code == "ProvisionedThroughputExceededException" ||
		code == "RequestLimitExceeded" || status >= 500:
		return fmt.Errorf("%s: %w: %s is failing (%s): %w", op, backend.ErrUnavailable, s.ddbWhere, codeOr(code, status), err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// isAuthCode reports whether an error code means the credentials or their
// permissions were refused.
func isAuthCode(code string) bool {
	switch code {
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken",
		"TokenRefreshRequired", "AccessDenied", "AllAccessDisabled", "Forbidden",
		"UnrecognizedClientException", "InvalidSignatureException", "MissingAuthenticationToken",
		"MissingAuthenticationTokenException", "AccessDeniedException", "ExpiredTokenException",
		"InvalidClientTokenId", "IncompleteSignatureException",
		"XAdminUserNotFound": // versitygw: no user has this access key

		return true
	}
	return false
}

func codeOr(code string, status int) string {
	if code != "" {
		return code
	}
	return fmt.Sprintf("HTTP %d", status)
}

// isCode reports whether err carries one of the given service error codes.
func isCode(err error, codes ...string) bool {
	code, _ := apiCode(err)
	for _, c := range codes {
		if code == c {
			return true
		}
	}
	return false
}

// isStatus reports whether err is an HTTP answer with the given status.
func isStatus(err error, status int) bool {
	_, st := apiCode(err)
	return st == status
}
