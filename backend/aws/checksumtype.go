package aws

import (
	"context"
	"net/http"
	"strings"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// A checksum S3 returns with an object is of the whole content only when
// its type says FULL_OBJECT. A multipart upload's COMPOSITE checksum is a
// checksum of the parts' checksums, and some S3 implementations send one
// without its type, or without the "-N" part count AWS appends, so that it
// looks like a whole-object digest: the SDK would then check the body
// against it and fail the download, and coop would take it for the
// object's SHA-256. wholeObjectChecksumsOnly drops every checksum of a
// response whose type is not FULL_OBJECT before either sees it.

// checksumHeaders are the object checksum headers S3 may return.
var checksumHeaders = []string{
	"x-amz-checksum-sha256", "x-amz-checksum-sha1", "x-amz-checksum-crc32",
	"x-amz-checksum-crc32c", "x-amz-checksum-crc64nvme",
}

// wholeObjectChecksumsOnly is an S3 API option adding the middleware.
func wholeObjectChecksumsOnly(stack *middleware.Stack) error {
	// Added last in the deserialize step, it sees the response first on
	// its way back, before the SDK's checksum validation and the output's
	// deserializer.
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("coop.WholeObjectChecksumsOnly",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			switch middleware.GetOperationName(ctx) {
			case "GetObject", "HeadObject": // the object's checksum, not a part's or a request's
				if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp != nil {
					dropPartialChecksums(resp.Header)
				}
			}
			return out, md, err
		}), middleware.After)
}

// dropPartialChecksums removes the checksum headers unless the response
// says they are of the full object.
func dropPartialChecksums(h http.Header) {
	if strings.EqualFold(h.Get("x-amz-checksum-type"), "FULL_OBJECT") {
		return
	}
	for _, name := range checksumHeaders {
		h.Del(name)
	}
}
