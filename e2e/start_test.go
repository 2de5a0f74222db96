package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A command that fails on a terminal says so and exits without asking
// the terminal anything: fang, which runs coop's commands, asked it for
// its background colour (OSC 11, then DA1) before every error, to style
// a message coop prints itself — a round trip to the terminal, and 2 s
// twice under one that does not answer, as script(1)'s does here.
func TestFailingCommandAsksTheTerminalNothing(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Fatal("script(1) is not installed (util-linux's bsdutils)")
	}
	store := t.TempDir()
	for _, c := range []struct{ args, want string }{
		{"stat nope/x/y.txt", "not found"},
		{"stat --bogus", "unknown flag: --bogus"},
		{"ls a/b/c/d/e/f", ""},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, "script", "-qec", bin+" "+c.args, "/dev/null")
		cmd.Env = append(os.Environ(), "COOP_STORAGE="+store, "COOP_BACKEND=local", "TERM=xterm-256color")
		out, err := cmd.Output()
		timedOut := ctx.Err() != nil
		cancel()
		if timedOut {
			t.Fatalf("coop %s under script did not end: %v\n%q", c.args, err, out)
		}
		if strings.Contains(string(out), "\x1b]11;") || strings.Contains(string(out), "\x1b[c") {
			t.Errorf("coop %s asked the terminal: %q", c.args, out)
		}
		if !strings.Contains(string(out), "coop: ") || !strings.Contains(string(out), c.want) {
			t.Errorf("coop %s printed %q; want an error line with %q", c.args, out, c.want)
		}
	}
}
