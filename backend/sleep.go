package backend

import (
	"context"
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
