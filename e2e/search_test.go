package e2e

import (
	"testing"
	"time"
)

// searchDemo searches the demo's sensor archive with its 100,000-file
// folder collapsed, as TestDemo leaves it selected: S opens the search,
// the matches stream in from one walk of the repository, and enter on one
// opens the folder and selects it.
func searchDemo(t *testing.T, tm *term) {
	tm.send("h", "h") // to the folder, then collapse it
	tm.waitGone(10*time.Second, "reading-000000.json")
	tm.send("S")
	tm.waitFor(5*time.Second, "SEARCH earth-lab/sensor-archive")
	tm.typeText("reading-09999")
	start := time.Now()
	tm.send("Enter")
	tm.waitFor(60*time.Second, "readings/reading-099990.json")
	first := time.Since(start)
	tm.waitFor(60*time.Second, "10 matches among 100,0")
	t.Logf("search of 100,000 objects: first match on screen %s, all %s after enter (tmux polling adds up to 50 ms)",
		first.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	tm.send("Down", "Down", "Down", "Enter")
	tm.waitGone(10*time.Second, "SEARCH earth-lab/sensor-archive")
	tm.waitFor(30*time.Second, "sensor-archive › readings/reading-099993.json", "of 100,003 · ", "  reading-099993.json")
}
