package tui

import (
	"errors"
	"fmt"
	"testing"

	"github.com/coopterm/coop/backend"
)

func TestPreviewShowsEveryMetadataField(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{StartAt: "acme/data/raw/a.csv"})
	h.settle()
	if h.selectedPath() != "raw/a.csv" {
		t.Fatalf("selected %q", h.selectedPath())
	}
	h.mustShow("a.csv", "path       raw/a.csv", "1.5 MiB (1,572,864 bytes)",
		"id         obj-123", "mime type  text/csv", "checksum   sha256:abcdef",
		"created    2025-01-02 03:04:05 UTC", "updated    2025-01-02 04:04:05 UTC",
		"custom metadata", "license    CC-BY-4.0", "rows       42")
	// A file without an entry says so.
	h.press("down")
	h.settle()
	h.mustShow("no metadata entry for this path")
	// A folder shows its loaded child count.
	h.press("g", "down")
	if h.selectedPath() != "raw" {
		t.Fatalf("selected %q", h.selectedPath())
	}
	h.mustShow("type       folder", "children   3 items")
	h.press("g", "down", "down", "down", "down")
	if h.selectedPath() != "raw/deep" {
		t.Fatalf("selected %q", h.selectedPath())
	}
	h.mustShow("children   not loaded (open to load)")
	// Each entry is looked up once: going back to rows already shown
	// reads nothing again.
	calls := func() int { return h.m.c.src.(interface{ Calls(string) int }).Calls("meta acme/data") }
	h.settle()
	n := calls()
	if n == 0 || n > 8 {
		t.Fatalf("%d metadata lookups for 8 rows selected", n)
	}
	h.press("up", "down")
	h.settle()
	if calls() != n {
		t.Fatalf("rows already previewed were looked up again: %d lookups, then %d", n, calls())
	}
}

func TestPreviewMissingAndCorruptMetadata(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("read acme/data/.source-metadata.json: %w", backend.ErrMetadataMissing), "metadata missing: read acme/data/"},
		{fmt.Errorf("%w: invalid character '}' at offset 17", backend.ErrMetadataCorrupt), "metadata unreadable: metadata file"},
		{fmt.Errorf("%w: invalid character at offset 17", backend.ErrMetadataCorrupt), "offset 17"},
	}
	for _, c := range cases {
		s := sampleStore(100)
		s.SetMetadata(acme, backend.SourceMetadata{}, c.err)
		h := newHarness(t, s, Options{StartAt: "acme/data"})
		h.settle()
		// The files still list.
		h.mustShow("README.md", "raw/", "zeta.txt", c.want)
		if es := h.m.cache.meta[acme].entries[h.selectedPath()]; es == nil || !errors.Is(es.err, c.err) {
			t.Fatalf("cached metadata error %+v", es)
		}
	}
}

func TestPreviewHiddenWhenNarrowOrToggled(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{StartAt: "acme/data"})
	h.settle()
	h.mustShow("│ path")
	h.press("p")
	h.mustNotShow("│ path")
	h.press("p")
	h.send(resize(60, 20))
	h.mustNotShow("│ path")
}
