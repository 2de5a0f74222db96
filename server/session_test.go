package server_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/server"
)

// Each session has its own size, colours and theme, from its own
// client: none leaks into another.
func TestSessionsHaveTheirOwnTerminal(t *testing.T) {
	f := newFixture(t, server.Config{Theme: "dark"})
	colour := openBrowserEnv(t, f.as(t, "alice"), 120, 40, "", map[string]string{"COLORTERM": "truecolor", "COOP_THEME": "light"})
	plain := openBrowserEnv(t, f.as(t, "bob"), 100, 30, "", map[string]string{"NO_COLOR": "1"})
	tiny := openBrowser(t, f.as(t, "eve"), 30, 8, "")
	colour.waitOut(t, 10*time.Second, "alice")
	plain.waitOut(t, 10*time.Second, "alice")
	tiny.waitOut(t, 10*time.Second, "Terminal too small: 30×8")

	sgr := regexp.MustCompile(`\x1b\[[0-9;]*[34]8;[25];`)
	if !sgr.MatchString(colour.out.String()) {
		t.Errorf("the truecolor session got no colours: %q", tail(colour.out.String()))
	}
	if m := sgr.FindString(plain.out.String()); m != "" {
		t.Errorf("the NO_COLOR session got colour %q", m)
	}
	if strings.Contains(colour.out.String(), "too small") || strings.Contains(plain.out.String(), "too small") {
		t.Error("another session's size leaked")
	}

	// Resizing one session changes only that one.
	if err := tiny.sess.WindowChange(40, 120); err != nil {
		t.Fatal(err)
	}
	tiny.waitOut(t, 10*time.Second, "alice")
	n := len(plain.out.String())
	time.Sleep(300 * time.Millisecond)
	if len(plain.out.String()) != n {
		t.Errorf("another session redrew when one was resized: %q", plain.out.String()[n:])
	}
}
