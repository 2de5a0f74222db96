package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/testservers"
)

// A walk asks for the next page as soon as a page's answer names it,
// while its caller still handles that page: the caller here holds the
// first page until the proxy has seen the second page's request, which a
// walk that asked only after the caller returned would never send.
func TestWalkAsksForTheNextPageAhead(t *testing.T) {
	ctx := context.Background()
	s0 := newStore(t)
	ref := newRepo(t, s0)
	const objects = MaxListLimit + 1 // two pages
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range objects {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			p := fmt.Sprintf("w/f%05d", i)
			if _, err := s0.PutObject(ctx, ref, p, strings.NewReader("x"), 1); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	cfg := s0.Config()
	p := testservers.StartFaultProxy(t, cfg.EndpointURL)
	cfg.EndpointURL = p.URL
	s := openStore(t, cfg)
	start := p.Count("ListObjects")
	var got []string
	pages := 0
	err := s.WalkObjects(ctx, ref, "w", func(page []backend.Entry) error {
		pages++
		if pages == 1 {
			deadline := time.Now().Add(10 * time.Second)
			for p.Count("ListObjects")-start < 2 {
				if time.Now().After(deadline) {
					return fmt.Errorf("the second page was not asked for while the first was handled")
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		for _, e := range page {
			got = append(got, e.Path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != objects || pages != 2 || got[0] != "w/f00000" || got[objects-1] != fmt.Sprintf("w/f%05d", objects-1) {
		t.Errorf("walked %d entries in %d pages (%v … %v), want %d in 2", len(got), pages, got[0], got[len(got)-1], objects)
	}
	// A caller that stops the walk stops the page asked for ahead.
	if err := s.WalkObjects(ctx, ref, "w", func([]backend.Entry) error { return context.Canceled }); !errors.Is(err, context.Canceled) {
		t.Errorf("a walk its caller stopped = %v", err)
	}
}
