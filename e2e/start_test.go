package e2e

import (
	"context"
	"os"
	"os/exec"
	"strconv"
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

// coop's own packages do next to nothing at init: every command, `coop
// stat` as much as the browser, runs every package's init before its
// first request. A regular expression compiled into a package variable
// (themes' colour check did: 61 allocations) or a table built at init
// belongs behind its first use.
func TestOwnPackageInitsAreSmall(t *testing.T) {
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("coop version: %v\n%s", err, out)
	}
	const maxAllocs = 40
	seen := 0
	for _, line := range strings.Split(string(out), "\n") {
		// init github.com/coopterm/coop/themes @60 ms, 0.24 ms clock, 5704 bytes, 61 allocs
		f := strings.Fields(line)
		if len(f) != 11 || f[0] != "init" || f[10] != "allocs" {
			continue
		}
		seen++
		if !strings.HasPrefix(f[1], "github.com/coopterm/coop/") {
			continue
		}
		allocs, err := strconv.Atoi(f[9])
		if err != nil {
			t.Fatalf("unreadable init line %q", line)
		}
		if allocs > maxAllocs {
			t.Errorf("%s allocates %d objects at init (%s bytes), want at most %d", f[1], allocs, f[7], maxAllocs)
		}
	}
	if seen < 50 {
		t.Fatalf("GODEBUG=inittrace=1 gave %d init lines, want the binary's packages:\n%s", seen, out)
	}
}
