package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBrowserTransfers drives uploads and deletes from the browser on a
// local store: upload a folder by typing its path (with tab completion),
// watch the job in the transfers panel, see the files appear in the
// tree, upload it again and skip every clash in the overwrite dialog,
// then delete one file and one folder through their confirmations, and
// check on disk and in .source-metadata.json that exactly those are gone.
func TestBrowserTransfers(t *testing.T) {
	root, env := makeLocalStore(t)
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "photos", "alpha.txt"), "alpha\n")
	writeFile(t, filepath.Join(src, "photos", "beta.txt"), "beta beta\n")
	writeFile(t, filepath.Join(src, "photos", "sub", "gamma.txt"), "gamma\n")
	writeFile(t, filepath.Join(src, "photos", "sub", "delta.txt"), "delta\n")
	scenes := filepath.Join(root, "earth-lab", "scenes")

	tm := startTerm(t, env, bin, "--storage", root)
	tm.waitFor(10*time.Second, "Earth Lab")
	tm.send("Enter")
	tm.waitFor(5*time.Second, "Scenes of the Range")
	tm.send("j", "Enter")
	tm.waitFor(5*time.Second, "2024/", "README.md", "u upload here")

	// u on the folder 2024/ uploads into it; ctrl+t moves the target up
	// to the root. A path typed in part and completed with tab, enter.
	tm.send("u")
	tm.waitFor(5*time.Second, "Upload into earth-lab/scenes/2024/")
	tm.send("C-t")
	tm.waitGone(5*time.Second, "scenes/2024/")
	tm.waitFor(5*time.Second, "Upload into earth-lab/scenes/")
	tm.typeText(src + "/pho")
	tm.send("Tab")
	tm.waitFor(5*time.Second, src+"/photos/ ", "the contents of photos/ go into") // completed, the cursor after it
	tm.send("BSpace")                                                             // without the slash: the folder itself, as in rsync
	tm.waitFor(5*time.Second, "photos goes into earth-lab/scenes/photos")
	tm.send("Enter")
	// Keys typed while the path is checked are dropped (they must not be
	// added to a path about to be used): t only once the dialog is gone.
	tm.waitGone(10*time.Second, "Upload into")

	// The transfers panel shows the job until it is done.
	tm.send("t")
	s := tm.waitFor(20*time.Second, "TRANSFERS", "1 done", "→ earth-lab/scenes/photos", "4 of 4 files", "100%")
	if !strings.Contains(s, "upload") {
		t.Errorf("the panel does not name the job's kind:\n%s", s)
	}
	tm.send("t")
	tm.waitFor(10*time.Second, "photos/") // the root was reloaded

	// The folder again, with other content: each clash is asked about
	// (an identical file would not be one); S skips them all.
	for _, p := range []string{"alpha.txt", "beta.txt", "sub/gamma.txt", "sub/delta.txt"} {
		writeFile(t, filepath.Join(src, "photos", p), "CHANGED CONTENT\n")
	}
	tm.send("u", "C-t")
	tm.waitGone(5*time.Second, "scenes/2024/")
	tm.waitFor(5*time.Second, "Upload into earth-lab/scenes/")
	tm.typeText(filepath.Join(src, "photos"))
	tm.send("Enter")
	s = tm.waitFor(20*time.Second, "Already exists in the repository", "earth-lab/scenes/photos/")
	asked := askedPath(t, s)
	tm.send("s") // skips this one; the next clash is asked
	deadline := time.Now().Add(10 * time.Second)
	for s = tm.screen(); !strings.Contains(s, "Already exists") || askedPath(t, s) == asked; s = tm.screen() {
		if time.Now().After(deadline) {
			t.Fatalf("after s the next clash was never asked (first %q):\n%s", asked, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
	tm.send("S")
	tm.waitGone(10*time.Second, "Already exists")
	tm.send("t")
	tm.waitFor(20*time.Second, "2 done", "4 skipped")
	tm.send("t")
	if b, err := os.ReadFile(filepath.Join(scenes, "photos", "beta.txt")); string(b) != "beta beta\n" {
		t.Fatalf("a skipped file was replaced: %q %v", b, err)
	}

	// Into photos/: filter to it, then open it in place.
	// (The match runs in the background: wait for it, as a person would
	// look, before pressing enter on the row.)
	tm.send("/")
	tm.typeText("photos")
	tm.waitForMatch(5*time.Second, oneMatch)
	tm.send("Enter", "Enter")
	tm.waitFor(10*time.Second, "alpha.txt", "beta.txt", "sub/")

	// Delete one file: the dialog shows the count and the bytes.
	tm.send("/")
	tm.typeText("alpha")
	tm.send("Enter")
	tm.waitForMatch(5*time.Second, oneMatch)
	tm.send("d")
	tm.waitFor(5*time.Second, "Delete 1 file from earth-lab/scenes?", "photos/alpha.txt", "This deletes 1 object (6 B)")
	tm.send("y")
	// The note "deleting 1 object (6 B)" goes once the job ends.
	tm.waitFor(5*time.Second, "no match for “alpha”")
	tm.send("Escape") // clears the filter
	tm.waitFor(10*time.Second, "beta.txt")
	tm.waitGone(10*time.Second, "alpha.txt")

	// Delete one folder: counted, then its name typed.
	tm.send("/")
	tm.typeText("sub")
	tm.send("Enter")
	tm.waitForMatch(5*time.Second, oneMatch)
	tm.send("d")
	tm.waitFor(10*time.Second, "Delete 1 folder from earth-lab/scenes?", "This deletes 2 objects (12 B)")
	tm.send("y")
	tm.waitFor(5*time.Second, "Type sub and press enter")
	tm.typeText("su")
	tm.send("Enter")
	tm.waitFor(5*time.Second, "that is not sub")
	tm.typeText("b")
	tm.send("Enter")
	tm.waitFor(5*time.Second, "no match for “sub”")
	tm.send("Escape")
	tm.waitFor(10*time.Second, "beta.txt")
	tm.waitGone(10*time.Second, "sub/")

	tm.send("t")
	tm.waitFor(20*time.Second, "4 done")
	tm.send("q") // nothing runs: quits at once
	tm.waitExit(t, 10*time.Second)

	// On disk: exactly alpha.txt and sub/ are gone.
	for _, p := range []string{"photos/beta.txt", "README.md", "2024/b.csv"} {
		if _, err := os.Stat(filepath.Join(scenes, p)); err != nil {
			t.Errorf("%s is gone: %v", p, err)
		}
	}
	for _, p := range []string{"photos/alpha.txt", "photos/sub"} {
		if _, err := os.Stat(filepath.Join(scenes, p)); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", p, err)
		}
	}
	// In the metadata: the same.
	var doc struct {
		Objects map[string]struct {
			Type string `json:"type"`
			Size int64  `json:"size"`
		} `json:"objects"`
	}
	data, err := os.ReadFile(filepath.Join(scenes, ".source-metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("metadata: %v\n%s", err, data)
	}
	var keys []string
	for k := range doc.Objects {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, want := range []string{"2024/b.csv", "photos/beta.txt"} {
		if _, ok := doc.Objects[want]; !ok {
			t.Errorf("metadata lost %s: %v", want, keys)
		}
	}
	for _, gone := range []string{"photos/alpha.txt", "photos/sub/gamma.txt", "photos/sub/delta.txt", "photos/sub"} {
		if _, ok := doc.Objects[gone]; ok {
			t.Errorf("metadata still has %s: %v", gone, keys)
		}
	}
	if e := doc.Objects["photos/beta.txt"]; e.Type != "file" || e.Size != 10 {
		t.Errorf("photos/beta.txt entry = %+v", e)
	}
	// And coop stat agrees.
	out := coop(t, env, "stat", "--json", "earth-lab/scenes/photos/beta.txt")
	if !strings.Contains(out, `"size": 10`) {
		t.Errorf("stat photos/beta.txt:\n%s", out)
	}
	cmd := exec.Command(bin, "stat", "earth-lab/scenes/photos/alpha.txt")
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("stat of the deleted file succeeded:\n%s", out)
	}
}

// TestBrowserQuitAsksWhileTransfersRun quits while a job waits for an
// overwrite decision (so it is certain to be unfinished): the browser
// asks, n stays, and y quits, keeping what was stored and recorded.
func TestBrowserQuitAsksWhileTransfersRun(t *testing.T) {
	root, env := makeLocalStore(t)
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "notes", "one.txt"), "one\n")
	writeFile(t, filepath.Join(src, "notes", "two.txt"), "two\n")
	tm := startTerm(t, env, bin, "--storage", root)
	tm.waitFor(10*time.Second, "Earth Lab")
	tm.send("Enter")
	tm.waitFor(5*time.Second, "Scenes of the Range")
	tm.send("j", "Enter")
	tm.waitFor(5*time.Second, "README.md")
	tm.send("j") // README.md: uploads go into its folder, the root
	upload := func() {
		tm.send("u")
		tm.waitFor(5*time.Second, "Upload into")
		tm.typeText(filepath.Join(src, "notes"))
		tm.send("Enter")
	}
	upload()
	tm.waitFor(10*time.Second, "notes/")
	writeFile(t, filepath.Join(src, "notes", "one.txt"), "ONE, CHANGED\n")
	writeFile(t, filepath.Join(src, "notes", "two.txt"), "TWO, CHANGED\n")
	upload()
	tm.waitFor(10*time.Second, "Already exists in the repository")
	tm.send("C-c")
	tm.waitFor(5*time.Second, "Quit with 1 transfer unfinished?")
	tm.send("n")
	tm.waitFor(5*time.Second, "Already exists in the repository") // still asked
	if tm.exited() {
		t.Fatal("coop quit after n")
	}
	tm.send("C-c")
	tm.waitFor(5*time.Second, "Quit with 1 transfer unfinished?")
	tm.send("y")
	tm.waitExit(t, 15*time.Second)
	// The first upload is intact, on disk and in the metadata.
	data, err := os.ReadFile(filepath.Join(root, "earth-lab", "scenes", ".source-metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Objects map[string]json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"notes/one.txt", "notes/two.txt"} {
		if _, ok := doc.Objects[p]; !ok {
			t.Errorf("metadata lacks %s", p)
		}
		if b, err := os.ReadFile(filepath.Join(root, "earth-lab", "scenes", p)); err != nil || len(b) != 4 {
			t.Errorf("%s: %q %v", p, b, err)
		}
	}
}

// askedPath is the path the overwrite dialog on screen asks about.
func askedPath(t *testing.T, screen string) string {
	t.Helper()
	for _, line := range strings.Split(screen, "\n") {
		if i := strings.Index(line, "earth-lab/scenes/"); i >= 0 && !strings.Contains(line, "→") {
			return strings.TrimSpace(strings.Trim(line[i:], "│ "))
		}
	}
	return ""
}
