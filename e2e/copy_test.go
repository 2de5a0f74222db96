package e2e

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// buffer is tmux's newest paste buffer: where tmux puts what a program
// copies with OSC 52 when its set-clipboard option is on.
func (tm *term) buffer(timeout time.Duration, want string) string {
	tm.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out, _ := exec.Command("tmux", "-L", tm.socket, "show-buffer").CombinedOutput()
		if string(out) == want || time.Now().After(deadline) {
			return string(out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestCopyReachesTmuxClipboard copies a path, then a URI, from the real
// browser; tmux receives each as an OSC 52 sequence and keeps it as its
// paste buffer, as it would pass it on to the terminal around it.
func TestCopyReachesTmuxClipboard(t *testing.T) {
	root, env := makeLocalStore(t)
	tm := startTerm(t, env, bin, "--storage", root)
	if out, err := exec.Command("tmux", "-L", tm.socket, "set-option", "-s", "set-clipboard", "on").CombinedOutput(); err != nil {
		t.Fatalf("tmux set-clipboard: %v: %s", err, out)
	}
	tm.waitFor(10*time.Second, "Earth Lab")
	tm.send("Enter")
	tm.waitFor(5*time.Second, "Scenes of the Range")
	tm.send("j", "Enter")
	tm.waitFor(5*time.Second, "README.md")
	tm.send("j")
	tm.waitFor(5*time.Second, "scenes › README.md")
	tm.send("y")
	if got := tm.buffer(5*time.Second, "earth-lab/scenes/README.md"); got != "earth-lab/scenes/README.md" {
		t.Fatalf("tmux buffer %q after y:\n%s", got, tm.screen())
	}
	tm.waitFor(5*time.Second, "copied path: earth-lab/scenes/README.md")
	tm.send("Y")
	want := "file://" + root + "/earth-lab/scenes/README.md"
	if got := tm.buffer(5*time.Second, want); got != want {
		t.Fatalf("tmux buffer %q after Y, want %q", got, want)
	}
	// The local store makes no presigned URLs: U says so.
	tm.send("U")
	tm.waitFor(5*time.Second, "Cannot copy a link")
	if strings.Contains(tm.buffer(0, ""), "http") {
		t.Error("a link was copied from the local store")
	}
	tm.send("Enter") // any key dismisses the error (esc then q could read as alt+q)
	tm.waitGone(5*time.Second, "Cannot copy a link")
	tm.send("q")
	tm.waitExit(t, 5*time.Second)
}
