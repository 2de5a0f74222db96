package backend

import (
	"context"
	"math/rand/v2"
	"time"
)

// Sleep waits d, or until ctx ends, and then returns ctx's error. Stores
// and the transfer queue wait this way between the tries of an operation
// that may succeed later (a throttled request, a lost race, a lock held).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Backoff is the wait before retry n (0 for the first retry) of an
// operation that may succeed later: base doubled n times, at most limit,
// of which a random half is left out so that callers retrying together
// spread out. The transfer queue and the S3 store's metadata writes use
// it.
func Backoff(base, limit time.Duration, n int) time.Duration {
	d := limit
	if n < 32 && base<<n > 0 && base<<n < limit {
		d = base << n
	}
	return d/2 + rand.N(d/2+1)
}
