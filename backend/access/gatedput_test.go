package access_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
)

// gatedPuts is a gatedStore that sends PUTs gated (backend.Gate), as the
// AWS store does: it tells when a PUT reaches it, then waits for the
// gate before it writes anything.
type gatedPuts struct{ *gatedStore }

func (gatedPuts) GatesPut(size int64) bool { return size > 0 }

func (g gatedPuts) PutObject(ctx context.Context, repo backend.RepoRef, p string, r io.Reader, size int64) (backend.ObjectInfo, error) {
	g.reads <- "put"
	if err := backend.WaitGate(ctx); err != nil {
		return backend.ObjectInfo{}, err
	}
	return g.Store.PutObject(ctx, repo, p, r, size)
}

// gatedUpload starts, as who, a gated upload of x.csv; its own gate (a
// transfer's admission, say) opens when the returned function is called.
func gatedUpload(t *testing.T, g *gatedStore, ref backend.RepoRef, who access.Principal) (<-chan error, func()) {
	t.Helper()
	s := access.New(gatedPuts{g}, who)
	outer := backend.NewGate()
	done := make(chan error, 1)
	go func() {
		_, err := s.PutObject(backend.WithGate(t.Context(), outer), ref, "x.csv", strings.NewReader("x,y\n"), 4)
		done <- err
	}()
	return done, func() { outer.Settle(nil) }
}

// A gated upload reaches the store while the caller's permission is
// checked, and is stored once both the check and the caller's own gate
// have opened.
func TestGatedUploadGoesWhileTheCheckRuns(t *testing.T) {
	g, ref := newGated(t, backend.VisibilityPrivate)
	done, open := gatedUpload(t, g, ref, access.Owner("test"))
	waitRead(t, g, "put")
	close(g.gate) // the repository's lookup answers
	select {
	case err := <-done:
		t.Fatalf("the upload ended before the caller's own gate opened: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	open()
	if err := <-done; err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if _, err := g.Store.StatObject(t.Context(), ref, "x.csv"); err != nil {
		t.Errorf("x.csv after the upload: %v", err)
	}
}

// A gated upload by a caller who may not write is refused by the check
// it went beside: nothing is stored, whatever the caller's gate says.
func TestRefusedGatedUploadStoresNothing(t *testing.T) {
	g, ref := newGated(t, backend.VisibilityPublic)
	done, open := gatedUpload(t, g, ref, access.Anonymous("test"))
	waitRead(t, g, "put")
	open()
	close(g.gate)
	if err := <-done; !errors.Is(err, backend.ErrUnauthorized) && !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("PutObject by an anonymous caller: %v, want a refusal", err)
	}
	if _, err := g.Store.StatObject(t.Context(), ref, "x.csv"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("x.csv after a refused upload: %v, want not found", err)
	}
}
