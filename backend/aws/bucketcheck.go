package aws

import (
	"context"
	"errors"
	"sync"

	"github.com/aws/smithy-go/middleware"

	"github.com/coopterm/coop/backend"
)

// bucketCheck is what is known of the bucket when Open did not check it
// (Config.LazyBucketCheck): nothing yet, that it answers (a request
// succeeded), or why it does not (the check made after a failure).
type bucketCheck struct {
	mu    sync.Mutex
	known bool
	err   error
}

// checkingKey marks the context of the check's own request, which the
// middleware lets through.
type checkingKey struct{}

// followedKey marks the context of a request whose 404 the caller follows
// with another request to the bucket (StatObject lists the folder after
// a HEAD finds no object): that one is explained if it fails, so the 404
// costs no check of its own, and a stat of a folder no round trip more.
type followedKey struct{}

// followed404 marks ctx as followedKey says.
func followed404(ctx context.Context) context.Context {
	return context.WithValue(ctx, followedKey{}, true)
}

// ok records that the bucket answered.
func (b *bucketCheck) ok() {
	b.mu.Lock()
	if !b.known {
		b.known, b.err = true, nil
	}
	b.mu.Unlock()
}

// explain says why a request to the bucket failed, if the bucket is the
// reason: missing, refused, unreachable. It lists the bucket once, the
// first time a failure needs it, and remembers the answer.
func (s *Store) explain(ctx context.Context) error {
	b := &s.bucket
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.known {
		return b.err
	}
	err := s.checkBucket(context.WithValue(ctx, checkingKey{}, true))
	if err != nil && ctx.Err() != nil {
		return nil // the caller gave up: that says nothing of the bucket
	}
	b.known, b.err = true, nil
	for _, kind := range []error{backend.ErrUnauthorized, backend.ErrUnavailable} {
		if errors.Is(err, kind) {
			// Only the kind is kept in the chain: the check's status
			// (a 404 for a missing bucket) must not pass for the
			// failed request's own.
			b.err = bucketProblem{msg: err.Error(), kind: kind}
			break
		}
	}
	return b.err
}

// bucketProblem is the bucket check's answer, standing for a request's
// failure.
type bucketProblem struct {
	msg  string
	kind error
}

func (e bucketProblem) Error() string { return e.msg }
func (e bucketProblem) Unwrap() error { return e.kind }

// mayBeTheBucket reports whether a failure could come from the bucket
// rather than the request: refused, moved, or a 404 that is not a
// missing key or upload (a HEAD's 404 has no code to tell them apart).
func mayBeTheBucket(err error) bool {
	code, status := apiCode(err)
	switch status {
	case 301, 401, 403:
		return true
	case 404:
		return code != "NoSuchKey" && code != "NoSuchUpload" && code != "NoSuchBucket"
	}
	return false
}

// lazyBucketCheck is an S3 API option that, in place of Open's check,
// records the first success and explains the failures the bucket may be
// the cause of (see explain).
func (s *Store) lazyBucketCheck(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("coop.LazyBucketCheck",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			return out, md, s.bucketAnswer(ctx, err)
		}), middleware.Before)
}

// bucketAnswer is what lazyBucketCheck does with a request's outcome,
// for the requests sent outside the SDK's pipeline as well (see direct):
// err, or why the bucket failed it.
func (s *Store) bucketAnswer(ctx context.Context, err error) error {
	if !s.cfg.LazyBucketCheck {
		return err
	}
	switch {
	case ctx.Value(checkingKey{}) != nil:
	case err == nil:
		s.bucket.ok()
	case (ctx.Value(followedKey{}) != nil || backend.IsNotFoundFollowed(ctx)) && isStatus(err, 404):
	case mayBeTheBucket(err):
		if why := s.explain(ctx); why != nil {
			return why
		}
	}
	return err
}
