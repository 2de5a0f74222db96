package aws

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
)

var _ backend.Presigner = (*Store)(nil)

// PresignGetObject implements backend.Presigner: a presigned GET URL of
// the object, signed with the store's credentials, valid for expiry. The
// object is looked up first, so that no link is made to nothing.
func (s *Store) PresignGetObject(ctx context.Context, repo backend.RepoRef, p string, expiry time.Duration) (string, error) {
	if expiry < time.Second || expiry > backend.MaxPresignExpiry {
		return "", fmt.Errorf("%w link expiry %s: want 1s to %s", backend.ErrInvalid, expiry, backend.MaxPresignExpiry)
	}
	if _, err := s.StatObject(ctx, repo, p); err != nil {
		return "", err
	}
	key := repoPrefix(repo) + p
	req, err := s3.NewPresignClient(s.s3).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: &s.cfg.Bucket, Key: &key},
		s3.WithPresignExpires(expiry))
	if err != nil {
		return "", fmt.Errorf("link to %s/%s: %w", repo, p, err)
	}
	return req.URL, nil
}
