package e2e

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// term is one tmux server with one 120×40 window running a command: the
// closest thing to a person at a terminal that a test can drive.
type term struct {
	t      *testing.T
	socket string
}

// startTerm runs argv in a fresh tmux server and stops it at cleanup.
func startTerm(t *testing.T, env []string, argv ...string) *term {
	t.Helper()
	tm := &term{t: t, socket: fmt.Sprintf("coop-e2e-%d", time.Now().UnixNano())}
	args := []string{"-L", tm.socket, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40"}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	// Keep the pane after the program exits so a crash stays readable.
	args = append(args, strings.Join(append([]string{"exec"}, quoteAll(argv)...), " "),
		";", "set-option", "-g", "remain-on-exit", "on")
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", tm.socket, "kill-server").Run() })
	return tm
}

func quoteAll(argv []string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return out
}

// send types keys as tmux key names ("Enter", "Down", "j", "/"). After
// Escape it pauses as a person would: ESC followed at once by a key reads
// as alt+key.
func (tm *term) send(keys ...string) {
	tm.t.Helper()
	for _, k := range keys {
		if out, err := exec.Command("tmux", "-L", tm.socket, "send-keys", "-t", "0", k).CombinedOutput(); err != nil {
			tm.t.Fatalf("send-keys %q: %v: %s", k, err, out)
		}
		if k == "Escape" {
			time.Sleep(150 * time.Millisecond)
		}
	}
}

// clearFilter presses escape on a filter's matches and waits until the
// count has left the status line: the pause after Escape is not enough
// on a loaded machine, where the program can read escape and the next key
// at once (alt+key) and the rest of the test types into the tree.
func (tm *term) clearFilter() {
	tm.t.Helper()
	tm.send("Escape")
	tm.waitGone(10*time.Second, " match")
}

// typeText sends literal text.
func (tm *term) typeText(s string) {
	tm.t.Helper()
	if out, err := exec.Command("tmux", "-L", tm.socket, "send-keys", "-t", "0", "-l", s).CombinedOutput(); err != nil {
		tm.t.Fatalf("send-keys -l %q: %v: %s", s, err, out)
	}
}

// screen returns what the pane shows now.
func (tm *term) screen() string {
	tm.t.Helper()
	out, err := exec.Command("tmux", "-L", tm.socket, "capture-pane", "-p", "-t", "0").CombinedOutput()
	if err != nil {
		tm.t.Fatalf("capture-pane: %v: %s", err, out)
	}
	return string(out)
}

// waitFor polls the screen until every want appears, and fails with the
// last screen if they do not within the timeout.
func (tm *term) waitFor(timeout time.Duration, want ...string) string {
	tm.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := tm.screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("screen never showed %q within %s; it shows:\n%s", missing, timeout, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitForMatch polls the screen until it matches re, and fails with the
// last screen if it does not within the timeout: for texts a plain
// substring would also find elsewhere ("1 of" is in "row 1 of 7" too).
func (tm *term) waitForMatch(timeout time.Duration, re *regexp.Regexp) string {
	tm.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := tm.screen()
		if re.MatchString(s) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("screen never matched %s within %s; it shows:\n%s", re, timeout, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// oneMatch is the filter's count once it has found a single row ("1 of
// 7 match"), as opposed to the cursor's position ("row 1 of 7"), which
// is on screen before the filter has run.
var oneMatch = regexp.MustCompile(`(^|[^0-9,])1 of [0-9,]+ match`)

// waitGone polls until text is no longer on screen.
func (tm *term) waitGone(timeout time.Duration, text string) string {
	tm.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := tm.screen()
		if !strings.Contains(s, text) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("screen still shows %q after %s:\n%s", text, timeout, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// exited reports whether the program in the pane has ended.
func (tm *term) exited() bool {
	out, err := exec.Command("tmux", "-L", tm.socket, "display-message", "-p", "-t", "0", "#{pane_dead}").CombinedOutput()
	return err != nil || strings.TrimSpace(string(out)) == "1"
}

// waitExit waits for the program in a tmux pane to end.
func (tm *term) waitExit(t *testing.T, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !tm.exited() {
		if time.Now().After(deadline) {
			t.Fatalf("the program did not end within %s:\n%s", timeout, tm.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
