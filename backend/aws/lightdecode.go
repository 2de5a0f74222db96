package aws

import (
	"bytes"
	"context"
	"io"
	"strings"

	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The answers coop reads most of — ListObjectsV2 pages and DeleteObjects
// results — are decoded by xmlScan (listxml.go) instead of the SDK's
// token-by-token decoder, which was about a third of the CPU of a
// recursive delete of 10,000 objects.

// swapDecoder puts a lightDecoder with decode in place of the SDK's
// deserializer of an operation's answer.
func swapDecoder(pool *bodyPool, decode func(body []byte, charged s3types.RequestCharged) (any, bool)) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		d := &lightDecoder{decode: decode, pool: pool}
		sdk, err := stack.Deserialize.Swap("OperationDeserializer", d)
		d.sdk = sdk
		return err
	}
}

// maxAnswer is the most of an answer read into memory to decode it
// (a page of 1,000 keys of 1,024 bytes, URL-encoded, is under 10 MiB);
// a longer one is decoded by the SDK as it streams.
const maxAnswer = 16 << 20

// lightDecoder is the deserializer of an operation's answer: decode
// reads a successful one, from memory, as the SDK's decoder would, or
// says it cannot; the SDK's decoder (sdk) then reads it, and it reads
// every error answer, so errors are the SDK's own.
type lightDecoder struct {
	sdk    middleware.DeserializeMiddleware
	decode func(body []byte, charged s3types.RequestCharged) (any, bool)
	pool   *bodyPool // the store's: answers are read into its buffers
}

func (*lightDecoder) ID() string { return "OperationDeserializer" }

func (d *lightDecoder) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if err != nil || !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return d.sdk.HandleDeserialize(ctx, in, answered{out, md, err})
	}
	body := resp.Body
	data, pooled, whole, rerr := d.read(body, resp.ContentLength)
	if whole {
		var charged s3types.RequestCharged
		if v := resp.Header.Values("x-amz-request-charged"); len(v) != 0 {
			charged = s3types.RequestCharged(strings.TrimSpace(v[0]))
		}
		if result, ok := d.decode(data, charged); ok {
			_ = body.Close() // read to its end: the connection is reused
			if pooled {
				d.pool.put(data) // the result holds copies of what it needs
			}
			out.Result = result
			return out, md, nil
		}
	}
	// The SDK reads the answer again, then what is left of it (and the
	// error that cut it short).
	rest := io.MultiReader(bytes.NewReader(data), failed{rerr}, body)
	resp.Body = struct {
		io.Reader
		io.Closer
	}{rest, body}
	return d.sdk.HandleDeserialize(ctx, in, answered{out, md, nil})
}

// read reads an answer of n bytes (n < 0: not known) into memory, in a
// buffer of the pool if n is known: whole says it was read to its end,
// without error and within maxAnswer; if not, data is what was read and
// rerr what cut it short, if anything.
func (d *lightDecoder) read(body io.Reader, n int64) (data []byte, pooled, whole bool, rerr error) {
	if n < 0 || n > maxAnswer {
		var buf bytes.Buffer
		_, rerr = buf.ReadFrom(io.LimitReader(body, maxAnswer+1))
		return buf.Bytes(), false, rerr == nil && buf.Len() <= maxAnswer, rerr
	}
	data = d.pool.get(n)
	k, err := io.ReadFull(body, data)
	data = data[:k]
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return data, true, false, nil // shorter than said: the SDK tells
	case err != nil:
		return data, true, false, err
	}
	var probe [1]byte
	if m, err := io.ReadFull(body, probe[:]); m > 0 || err != io.EOF {
		// Longer than said, or cut at its end: the SDK reads it all.
		return append(data, probe[:m]...), false, false, err
	}
	return data, true, true, nil
}

// failed reads as err, or as nothing if err is nil.
type failed struct{ err error }

func (f failed) Read([]byte) (int, error) {
	if f.err == nil {
		return 0, io.EOF
	}
	return 0, f.err
}

// answered hands the SDK's deserializer an answer already received.
type answered struct {
	out middleware.DeserializeOutput
	md  middleware.Metadata
	err error
}

func (a answered) HandleDeserialize(context.Context, middleware.DeserializeInput) (middleware.DeserializeOutput, middleware.Metadata, error) {
	return a.out, a.md, a.err
}
