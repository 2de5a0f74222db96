package backend

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSleep(t *testing.T) {
	if err := Sleep(t.Context(), time.Millisecond); err != nil {
		t.Errorf("Sleep: %v, want nil", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep with a cancelled context: %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Minute {
		t.Errorf("Sleep with a cancelled context waited %s", d)
	}
}

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		n        int
		min, max time.Duration
	}{{0, 50 * time.Millisecond, 100 * time.Millisecond}, {1, 100 * time.Millisecond, 200 * time.Millisecond},
		{3, 400 * time.Millisecond, 800 * time.Millisecond}, {10, 500 * time.Millisecond, time.Second}, {70, 500 * time.Millisecond, time.Second}} {
		for range 100 {
			if d := Backoff(100*time.Millisecond, time.Second, c.n); d < c.min || d > c.max {
				t.Fatalf("Backoff(100ms, 1s, %d) = %s, want %s to %s", c.n, d, c.min, c.max)
			}
		}
	}
}
