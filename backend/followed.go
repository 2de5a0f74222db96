package backend

import "context"

// notFoundFollowedKey marks a context as NotFoundFollowed says.
type notFoundFollowedKey struct{}

// NotFoundFollowed marks ctx for a read whose "not found" answer the
// caller follows at once with requests of its own to the same place
// (an upload's question whether a repository has a metadata document,
// followed by a listing of the repository and the uploads themselves):
// if the cause were the bucket or the store rather than the object,
// those would fail and say so. A store that would otherwise spend a
// request finding out why a read found nothing (the S3 store, on a
// HEAD's 404, which cannot tell a missing key from a missing bucket)
// need not then.
func NotFoundFollowed(ctx context.Context) context.Context {
	return context.WithValue(ctx, notFoundFollowedKey{}, true)
}

// IsNotFoundFollowed reports whether ctx was marked by NotFoundFollowed.
func IsNotFoundFollowed(ctx context.Context) bool {
	return ctx.Value(notFoundFollowedKey{}) != nil
}
