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

	// Resizing one session changes only that one: after tiny shrinks and
	// then plain does, plain has only ever drawn its own size.
	if err := tiny.sess.WindowChange(40, 120); err != nil {
		t.Fatal(err)
	}
	tiny.waitOut(t, 10*time.Second, "alice")
	if err := tiny.sess.WindowChange(5, 39); err != nil {
		t.Fatal(err)
	}
	tiny.waitOut(t, 10*time.Second, "Terminal too small: 39×5")
	if err := plain.sess.WindowChange(6, 38); err != nil {
		t.Fatal(err)
	}
	plain.waitOut(t, 10*time.Second, "Terminal too small: 38×6")
	if strings.Contains(plain.out.String(), "39×5") || strings.Contains(colour.out.String(), "39×5") {
		t.Error("another session's resize reached this one")
	}
}
