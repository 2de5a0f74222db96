package e2e

import (
	"testing"
	"time"
)

// TestDemo runs the README's first command as a new user would: coop
// --demo on an empty data folder builds the demo store, opens the
// browser, and the 100,000-file folder opens, streams in and filters.
func TestDemo(t *testing.T) {
	env := []string{"XDG_DATA_HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir(), "COOP_THEME=dark"}
	tm := startTerm(t, env, bin, "--demo")
	tm.waitFor(3*time.Minute, "Earth Observation Lab", "Ocean Data Collective", "Alice Nakamura")
	tm.send("Enter")
	tm.waitFor(10*time.Second, "Sensor archive", "Landsat scenes")
	tm.send("Enter")
	tm.waitFor(10*time.Second, "readings/", "stations.csv")
	tm.send("j")
	start := time.Now()
	tm.send("Enter")
	tm.waitFor(10*time.Second, "reading-000000.json")
	t.Logf("100,000-file folder: first rows on screen %s after enter (tmux polling adds up to 50 ms)", time.Since(start).Round(time.Millisecond))

	// Keys answer while the folder streams in, and the filter finds one
	// file among 100,000.
	tm.send("G")
	tm.waitFor(10*time.Second, "stations.csv")
	tm.send("/")
	tm.typeText("reading-099999")
	tm.waitForMatch(10*time.Second, oneMatch)
	tm.waitFor(10*time.Second, "reading-099999.json")
	tm.clearFilter()
	searchDemo(t, tm)
	gotoDemo(t, tm)
	tm.send("q")
	tm.waitExit(t, 5*time.Second)
	browserDemo(t, env)
}
