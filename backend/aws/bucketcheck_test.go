package aws

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/testservers"
)

// With LazyBucketCheck, Open makes no request, and what it would have
// said of a missing bucket or refused credentials comes with the first
// request that fails because of them.
func TestLazyBucketCheck(t *testing.T) {
	ctx := context.Background()
	repo := backend.RepoRef{AccountID: "acme", RepositoryID: "data"}
	proxied := func(t *testing.T, cfg Config) (Config, *testservers.FaultProxy) {
		p := testservers.StartFaultProxy(t, cfg.EndpointURL)
		cfg.EndpointURL, cfg.LazyBucketCheck = p.URL, true
		return cfg, p
	}

	t.Run("missing bucket", func(t *testing.T) {
		cfg, p := proxied(t, testConfig(t))
		cfg.Bucket = "no-such-bucket-here"
		s := openStore(t, cfg)
		if n := len(p.Counts()); n != 0 {
			t.Errorf("Open made requests: %v", p.Counts())
		}
		// A HEAD's 404 cannot tell a missing bucket from a missing key.
		_, err := s.StatObject(ctx, repo, "a.csv")
		if !errors.Is(err, backend.ErrUnavailable) || errors.Is(err, backend.ErrNotFound) ||
			!strings.Contains(err.Error(), `bucket "no-such-bucket-here" does not exist`) {
			t.Errorf("StatObject on a missing bucket = %v", err)
		}
		_, err = s.ListObjects(ctx, repo, "", backend.PageRequest{})
		if !errors.Is(err, backend.ErrUnavailable) || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("ListObjects on a missing bucket = %v", err)
		}
		if n := p.Count("ListObjects"); n != 2 {
			t.Errorf("%d listings, want the one asked for and the stat's folder listing (which found the bucket missing)", n)
		}
	})

	t.Run("bucket answers", func(t *testing.T) {
		cfg, p := proxied(t, testConfig(t))
		s := openStore(t, cfg)
		// A missing object is only that. Each StatObject lists the key
		// as a folder after the HEAD's 404, and that listing answers for
		// the bucket: no check of its own (a round trip more, for each
		// stat of a folder at a distance).
		for range 2 {
			if _, err := s.StatObject(ctx, repo, "nothing.csv"); !errors.Is(err, backend.ErrNotFound) {
				t.Errorf("StatObject of a missing object = %v, want ErrNotFound", err)
			}
		}
		if n := p.Count("ListObjects"); n != 2 {
			t.Errorf("%d listings, want the 2 folder listings and no check", n)
		}
	})

	t.Run("a 404 nothing follows", func(t *testing.T) {
		cfg, p := proxied(t, testConfig(t))
		s := openStore(t, cfg)
		// The first is checked against the bucket, later ones are not.
		for range 2 {
			if err := s.DeleteObject(ctx, repo, "nothing.csv"); !errors.Is(err, backend.ErrNotFound) {
				t.Errorf("DeleteObject of a missing object = %v, want ErrNotFound", err)
			}
		}
		if n := p.Count("ListObjects"); n != 1 {
			t.Errorf("%d listings, want 1 check", n)
		}
	})

	t.Run("wrong credentials", func(t *testing.T) {
		cfg, _ := proxied(t, testConfig(t))
		t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret")
		s := openStore(t, cfg)
		_, err := s.StatObject(ctx, repo, "a.csv")
		if !errors.Is(err, backend.ErrUnauthorized) || !strings.Contains(err.Error(), "credentials") {
			t.Errorf("StatObject with a wrong secret = %v, want ErrUnauthorized naming the credentials", err)
		}
	})
}
