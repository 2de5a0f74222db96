package e2e

import (
	"testing"
	"time"
)

// gotoDemo drives the go-to prompt (:) in the demo store from wherever
// TestDemo left the browser: a partial path completed with tab part by
// part from the store — an account, a repository, folders, a file —
// then enter opens the repository there with the file selected; a path
// that does not exist is said in the prompt, which stays open.
func gotoDemo(t *testing.T, tm *term) {
	tm.send(":")
	tm.waitFor(5*time.Second, "Go to", "> earth-lab/sensor-archive/")
	tm.send("C-u")
	tm.waitGone(5*time.Second, "> earth-lab/sensor-archive/")
	tm.typeText("ear")
	tm.send("Tab")
	tm.waitFor(10*time.Second, "> earth-lab/")
	tm.typeText("la")
	tm.send("Tab")
	tm.waitFor(10*time.Second, "> earth-lab/landsat-scenes/")
	tm.typeText("sc")
	tm.send("Tab")
	tm.waitFor(10*time.Second, "> earth-lab/landsat-scenes/scenes/")
	tm.typeText("2024/")
	tm.send("Tab")
	tm.waitFor(10*time.Second, "> earth-lab/landsat-scenes/scenes/2024/LC08_L2SP_034032_20240421/")
	tm.send("Tab") // two names: both listed, the common part "" added
	tm.waitFor(10*time.Second, "B4.tif", "MTL.xml")
	tm.typeText("M")
	tm.send("Tab")
	tm.waitFor(10*time.Second, "> earth-lab/landsat-scenes/scenes/2024/LC08_L2SP_034032_20240421/MTL.xml")
	tm.send("Enter")
	tm.waitGone(10*time.Second, "Go to")
	// The header names the repository and the selected file; the tree
	// shows the folders above it opened and the file on its row.
	tm.waitFor(10*time.Second, "landsat-scenes › scenes/2024/LC08_L2SP_034032_20240421/MTL.xml", "row 10 of 10 · ",
		"▾ scenes/", "▾ 2024/", "▾ LC08_L2SP_034032_20240421/", "    MTL.xml", "mime type  text/xml")

	tm.send(":")
	tm.waitFor(5*time.Second, "> earth-lab/landsat-scenes/scenes/2024/LC08_L2SP_034032_20240421/")
	tm.send("C-u")
	tm.typeText("earth-lab/landsat-scenes/nothing-here.txt")
	tm.send("Enter")
	tm.waitFor(10*time.Second, "nothing-here.txt: no such", "Go to")
	tm.send("Escape")
	tm.waitGone(5*time.Second, "Go to")
}
