package aws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/coopterm/coop/backend"
)

// deleteBoth deletes through the SDK's decoder and through coop's, on
// the same answer, and fails t if they differ in result or error.
func deleteBoth(t testing.TB, c canned) (*s3.DeleteObjectsOutput, error) {
	t.Helper()
	cl := offlineClient(c)
	in := &s3.DeleteObjectsInput{Bucket: sdkaws.String("b"), Delete: &s3types.Delete{
		Objects: []s3types.ObjectIdentifier{{Key: sdkaws.String("a/1")}, {Key: sdkaws.String("a/2")}}, Quiet: sdkaws.Bool(true)}}
	want, werr := cl.DeleteObjects(context.Background(), in)
	got, gerr := cl.DeleteObjects(context.Background(), in, (&Store{}).lightDelete)
	if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
		t.Fatalf("errors differ:\nSDK:  %v\ncoop: %v", werr, gerr)
	}
	if werr != nil {
		return nil, gerr
	}
	want.ResultMetadata, got.ResultMetadata = middleware.Metadata{}, middleware.Metadata{}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("results differ:\nSDK:  %+v\ncoop: %+v", want, got)
	}
	// Read without the deleted keys (as the store's own requests read
	// it), an answer the decoder reads gives the same refused keys.
	var full, refused s3.DeleteObjectsOutput
	if decodeDeleteObjects(c.body, &full, true) {
		if !decodeDeleteObjects(c.body, &refused, false) || refused.Deleted != nil || !reflect.DeepEqual(full.Errors, refused.Errors) {
			t.Fatalf("read without the deleted keys: %+v, want the refused keys of %+v", refused, full)
		}
	}
	return got, nil
}

const deleteRoot = `<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`

// deleteAnswers are DeleteObjects answers coop's decoder reads itself.
var deleteAnswers = map[string]string{
	"quiet":      xmlHead + deleteRoot + `</DeleteResult>`,
	"no body":    "",
	"every key":  xmlHead + deleteRoot + `<Deleted><Key>a/1</Key></Deleted><Deleted><Key>a/2 &amp; é</Key></Deleted></DeleteResult>`,
	"versioned":  deleteRoot + `<Deleted><Key>a/1</Key><VersionId>v1</VersionId><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>m1</DeleteMarkerVersionId></Deleted></DeleteResult>`,
	"refused":    deleteRoot + `<Error><Key>a/1</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error><Error><Key>a/2</Key><Code>SlowDown</Code><Message/><VersionId>v</VersionId><Extra><x/></Extra></Error><Deleted/></DeleteResult>`,
	"odd case":   deleteRoot + `<deleted><KEY>a/1</KEY></deleted><error><code>InternalError</code></error><Other>t</Other></DeleteResult>`,
	"empty root": `<DeleteResult/>`,
}

func TestDeleteDecoderReadsAsTheSDK(t *testing.T) {
	for name, body := range deleteAnswers {
		t.Run(name, func(t *testing.T) {
			var out s3.DeleteObjectsOutput
			if !decodeDeleteObjects([]byte(body), &out, true) {
				t.Fatal("coop's decoder left a plain answer to the SDK")
			}
			if _, err := deleteBoth(t, canned{status: 200, body: []byte(body)}); err != nil {
				t.Fatalf("a plain answer failed: %v", err)
			}
		})
	}
	for name, body := range map[string]string{
		"comment":     deleteRoot + `<!-- x --><Deleted><Key>a/1</Key></Deleted></DeleteResult>`,
		"truncated":   deleteRoot + `<Deleted><Key>a/1</Key></Del`,
		"bad marker":  deleteRoot + `<Deleted><Key>a/1</Key><DeleteMarker>yes</DeleteMarker></Deleted></DeleteResult>`,
		"nested key":  deleteRoot + `<Error><Key><k/></Key></Error></DeleteResult>`,
		"bad entity":  deleteRoot + `<Error><Key>a/&bad;</Key></Error></DeleteResult>`,
		"error reply": `<Error><Code>InternalError</Code><Message>m</Message></Error>`,
	} {
		t.Run(name, func(t *testing.T) {
			_, _ = deleteBoth(t, canned{status: 200, body: []byte(body)})
		})
	}
	for _, c := range []canned{
		{status: 403, body: []byte(`<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)},
		{status: 503, body: []byte(`<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>`)},
	} {
		if _, err := deleteBoth(t, c); err == nil {
			t.Errorf("status %d: no error", c.status)
		}
	}
}

// A batch's refused keys come out of coop's decoder as they did out of
// the SDK's: each key with what its code means.
func TestDeleteObjectsRefusedKeys(t *testing.T) {
	body := deleteRoot + `<Deleted><Key>a/r/ok</Key></Deleted><Error><Key>a/r/busy</Key><Code>SlowDown</Code><Message>later</Message></Error><Error><Key>a/r/no</Key><Code>AccessDenied</Code><Message>no</Message></Error></DeleteResult>`
	s := &Store{s3: offlineClient(canned{status: 200, body: []byte(body)}), cfg: Config{Bucket: "b", Timeout: 60e9}}
	ref := backend.RepoRef{AccountID: "a", RepositoryID: "r"}
	failed, err := s.DeleteObjects(context.Background(), ref, []backend.Entry{
		{Path: "ok", Type: backend.TypeFile}, {Path: "busy", Type: backend.TypeFile}, {Path: "no", Type: backend.TypeFile}})
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 2 || !errors.Is(failed["busy"], backend.ErrUnavailable) || !errors.Is(failed["no"], backend.ErrUnauthorized) {
		t.Fatalf("failed = %v", failed)
	}
}

// batchOfDeleted is a batch of n files of repository a/r and
// DeleteObjects' answer naming each deleted (as versitygw answers, quiet
// mode or not).
func batchOfDeleted(n int) ([]backend.Entry, []byte) {
	var body strings.Builder
	body.WriteString(xmlHead + deleteRoot)
	entries := make([]backend.Entry, n)
	for i := range entries {
		entries[i] = backend.Entry{Path: fmt.Sprintf("d/f%04d", i), Type: backend.TypeFile}
		fmt.Fprintf(&body, "<Deleted><Key>a/r/d/f%04d</Key></Deleted>", i)
	}
	body.WriteString("</DeleteResult>")
	return entries, []byte(body.String())
}

// TestDeleteBatchAnswerInFewAllocations: a batch of 1,000 keys whose
// answer names each key deleted (versitygw ignores quiet mode) costs
// the request's allocations and a few for the answer, not the SDK
// decoder's tens of thousands.
func TestDeleteBatchAnswerInFewAllocations(t *testing.T) {
	entries, answer := batchOfDeleted(1000)
	s := &Store{s3: offlineClient(canned{status: 200, body: answer}), cfg: Config{Bucket: "b", Timeout: time.Minute}}
	ref := backend.RepoRef{AccountID: "a", RepositoryID: "r"}
	allocs := testing.AllocsPerRun(5, func() {
		failed, err := s.DeleteObjects(context.Background(), ref, entries)
		if err != nil || len(failed) != 0 {
			t.Fatal(err, failed)
		}
	})
	t.Logf("%.0f allocations", allocs)
	if allocs > 4000 {
		t.Errorf("a batch of 1,000 keys made %.0f allocations, want at most 4,000", allocs)
	}
}

// TestDeleteDecoderOnVersitygw: the test server's DeleteObjects answers
// are read by coop's decoder itself, as the SDK's reads them.
func TestDeleteDecoderOnVersitygw(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	var ids []s3types.ObjectIdentifier
	for _, k := range []string{"x/1", "x/a & b", "x/été"} {
		if _, err := s.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.cfg.Bucket, Key: sdkaws.String(k), Body: strings.NewReader("d")}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s3types.ObjectIdentifier{Key: sdkaws.String(k)})
	}
	var raw []byte
	keep := func(stack *middleware.Stack) error {
		return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("keepBody", func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && err == nil {
				raw, _ = io.ReadAll(resp.Body)
				resp.Body = io.NopCloser(bytes.NewReader(raw))
			}
			return out, md, err
		}), middleware.After)
	}
	in := &s3.DeleteObjectsInput{Bucket: &s.cfg.Bucket, Delete: &s3types.Delete{Objects: ids, Quiet: sdkaws.Bool(true)}}
	out, err := s.s3.DeleteObjects(ctx, in, func(o *s3.Options) { o.APIOptions = append(o.APIOptions, keep) }, (&Store{}).lightDelete)
	if err != nil {
		t.Fatal(err)
	}
	var want s3.DeleteObjectsOutput
	if !decodeDeleteObjects(raw, &want, true) {
		t.Fatalf("coop's decoder left versitygw's answer to the SDK: %q", raw)
	}
	got, err := deleteBoth(t, canned{status: 200, body: raw})
	if err != nil || len(got.Errors) != 0 || len(out.Errors) != 0 {
		t.Fatalf("%v %+v %+v", err, got.Errors, out.Errors)
	}
}
