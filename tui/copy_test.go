package tui

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/keymap"
)

// clipboard runs the queued commands and returns what the last one put
// on the clipboard (tea.SetClipboard's message, a string type of
// Bubble Tea's own), or "".
func (h *harness) clipboard() string {
	h.t.Helper()
	got := ""
	for len(h.queue) > 0 {
		cmd := h.queue[0]
		h.queue = h.queue[1:]
		msg := cmd()
		if fmt.Sprintf("%T", msg) == "tea.setClipboardMsg" {
			got = fmt.Sprint(msg)
			continue
		}
		h.deliver(msg)
	}
	return got
}

// linkStore is the test store with presigned URLs, as an S3 store has.
type linkStore struct {
	*testStore
	expiry *time.Duration
}

func (s linkStore) Capabilities() backend.Capabilities {
	c := s.testStore.Capabilities()
	c.Presign = s
	return c
}

func (s linkStore) PresignGetObject(_ context.Context, repo backend.RepoRef, p string, expiry time.Duration) (string, error) {
	*s.expiry = expiry
	return "https://bucket.example/" + repo.String() + "/" + p + "?X-Amz-Signature=abc", nil
}

// y copies the coop path of the selected (or the marked) entries, Y
// their URI, U a presigned URL where the store makes them.
func TestCopyKeys(t *testing.T) {
	var expiry time.Duration
	s := linkStore{sampleStore(100), &expiry}
	h := newHarness(t, s, Options{StartAt: "acme/data/raw/a.csv", LinkExpiry: 2 * time.Hour, Transfers: &fakeTransfers{}})
	h.settle()
	h.press("y")
	if got := h.clipboard(); got != "acme/data/raw/a.csv" {
		t.Fatalf("y copied %q", got)
	}
	h.mustShow("copied path: acme/data/raw/a.csv")
	h.press("U")
	if got := h.clipboard(); got != "https://bucket.example/acme/data/raw/a.csv?X-Amz-Signature=abc" || expiry != 2*time.Hour {
		t.Fatalf("U copied %q for %s", got, expiry)
	}
	h.send(spaceKey) // a.csv, then b.csv
	h.send(spaceKey)
	h.press("y")
	if got := h.clipboard(); got != "acme/data/raw/a.csv\nacme/data/raw/b.csv" {
		t.Fatalf("y with marks copied %q", got)
	}
	// The memory store has no URI anyone could use: said, not copied.
	h.press("Y")
	if got := h.clipboard(); got != "" || !h.errShown() {
		t.Fatalf("Y on a memory store copied %q, error shown %v", got, h.errShown())
	}
}

// A store without presigned URLs (the local one) refuses U with a note.
func TestCopyLinkRefusedWithoutPresign(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{StartAt: "acme/data/README.md"})
	h.settle()
	h.press("U")
	if got := h.clipboard(); got != "" || !h.errShown() {
		t.Fatalf("U copied %q, error %v", got, h.errShown())
	}
	h.mustShow("Cannot copy a link", "presigned URLs are made by")
}

func TestObjectBase(t *testing.T) {
	for _, c := range []struct{ loc, want string }{
		{"s3://my-bucket @ http://127.0.0.1:7070", "s3://my-bucket/"},
		{"s3://b", "s3://b/"},
		{"/srv/coop data", "file:///srv/coop%20data/"},
		{"ssh · alice", ""},
		{"memory://fake", ""},
	} {
		got, err := objectBase(c.loc)
		if got != c.want || (err == nil) != (c.want != "") {
			t.Errorf("objectBase(%q) = %q, %v; want %q", c.loc, got, err, c.want)
		}
	}
}

// TestCopyWritesOSC52 runs the browser in a tea.Program and finds the
// OSC 52 sequence, with the path in base64, in what it writes to the
// terminal: what reaches a terminal over SSH or through tmux.
func TestCopyWritesOSC52(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	screen := &atomic.Pointer[string]{}
	m := screenModel{New(ctx, sampleStore(100), Options{Theme: "dark", StartAt: "acme/data/zeta.txt"}), screen}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	waitScreen(t, screen, "acme › data › zeta.txt")
	tm.Type("y")
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("acme/data/zeta.txt")) + "\a"
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
		teatest.WithDuration(10*time.Second))
	waitScreen(t, screen, "copied path")
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestLinkExpiryConfig(t *testing.T) {
	cfg, err := keymap.ParseConfig("config.toml", []byte("[links]\nexpiry = \"2h30m\"\n"))
	if err != nil || cfg.LinkExpiry != 150*time.Minute {
		t.Fatalf("expiry %s, %v", cfg.LinkExpiry, err)
	}
	for _, bad := range []string{"\"0s\"", "\"200h\"", "\"soon\"", "3600"} {
		if _, err := keymap.ParseConfig("config.toml", []byte("[links]\nexpiry = "+bad+"\n")); err == nil || !strings.HasPrefix(err.Error(), "config.toml:2: links.expiry") {
			t.Errorf("expiry = %s: %v", bad, err)
		}
	}
}
