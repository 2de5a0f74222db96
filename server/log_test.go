package server_test

import (
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/server"
)

// The console says who signed in, when sessions end and what was refused,
// one line each, with client-chosen text escaped.
func TestConsoleLog(t *testing.T) {
	var console syncBuffer
	logger := slog.New(slog.NewTextHandler(&console, nil))
	f := newFixture(t, server.Config{Logger: logger, Anonymous: server.AnonymousNone})

	if got := whoami(t, f.as(t, "alice")); got != "alice" {
		t.Fatalf("whoami %q", got)
	}
	if c, err := f.dial(t, gossh.PublicKeys(f.keys["eve"]), anonymousAuth()); err == nil {
		_ = c.Close()
		t.Fatal("eve signed in with anonymous access off")
	}
	_, _, code := run(t, f.as(t, "bob"), "evil\x1b]0;title\x07")
	if code != 1 {
		t.Errorf("unknown command: exit %d", code)
	}
	want := []*regexp.Regexp{
		regexp.MustCompile(`level=INFO msg=login account=alice remote=127\.0\.0\.1:\d+ key=SHA256:`),
		regexp.MustCompile(`level=INFO msg="session end" account=alice remote=127\.0\.0\.1:\d+ kind=whoami duration=`),
		regexp.MustCompile(`level=INFO msg="session end" account=bob remote=\S+ kind=command duration=\S+ command="evil\\x1b\]0;title\\a"`),
		// The refusal may be logged after the client has seen it.
		regexp.MustCompile(`level=WARN msg="refused login"`),
	}
	// A deadline, not a pause: the lines come as soon as the server gets
	// to them, which on a loaded machine may take seconds.
	deadline := time.Now().Add(30 * time.Second)
	for _, re := range want {
		for !re.MatchString(console.String()) {
			if time.Now().After(deadline) {
				t.Fatalf("console has no line matching %s:\n%s", re, console.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if strings.ContainsAny(console.String(), "\x1b\x07") {
		t.Errorf("the console carries raw control characters:\n%q", console.String())
	}
}
