package e2e

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// resize sets the window's size, as a person dragging the terminal would.
func (tm *term) resize(w, h int) {
	tm.t.Helper()
	if out, err := exec.Command("tmux", "-L", tm.socket, "resize-window", "-t", "0",
		"-x", strconv.Itoa(w), "-y", strconv.Itoa(h)).CombinedOutput(); err != nil {
		tm.t.Fatalf("resize-window: %v: %s", err, out)
	}
}

// browserDemo checks issue 14's browser fixes in the demo store TestDemo
// built (env is its environment): with stations.csv removed, the
// 100,000-file folder holds the last rows, and G pressed while it is
// still listed ends on its true last file; the repository list shows
// ids; the help keeps its border at 40×10 and q closes it.
func browserDemo(t *testing.T, env []string) {
	coop(t, env, "--demo", "rm", "--yes", "earth-lab/sensor-archive/stations.csv")
	tm := startTerm(t, env, bin, "--demo")
	tm.waitFor(30*time.Second, "Earth Observation Lab")
	tm.send("Enter")
	tm.waitFor(10*time.Second, "sensor-archive", "Sensor archive", "landsat-scenes", "ID ")
	tm.send("Enter")
	tm.waitFor(10*time.Second, "readings/", "README.md")
	tm.send("j", "Enter")
	s := tm.waitFor(10*time.Second, "reading-000000.json")
	tm.send("G")
	loading := strings.Contains(s, "so far") || !strings.Contains(s, "100,000")
	s = tm.waitFor(60*time.Second, "sensor-archive › readings/reading-099999.json")
	t.Logf("G pressed while the folder was still listed: %v", loading)
	if !strings.Contains(s, "reading-099999.json") {
		t.Fatalf("the last file is not on screen:\n%s", s)
	}

	// The help at the smallest size: a whole box, scrolling, q closes it.
	tm.resize(40, 10)
	tm.send("?")
	s = tm.waitFor(10*time.Second, "╭", "╰", "scroll")
	tm.send("G")
	tm.waitFor(5*time.Second, "quit")
	tm.send("q")
	tm.waitGone(5*time.Second, "╭")
	if tm.exited() {
		t.Fatalf("q in the help quit the browser:\n%s", s)
	}
	tm.resize(120, 40)
	tm.send("q")
	tm.waitExit(t, 5*time.Second)
}
