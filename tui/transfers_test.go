package tui

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/transfer"
)

var spaceKey = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}

// xferHarness opens acme/data of the sample store (README.md, raw/,
// zeta.txt) with a fake queue.
func xferHarness(t *testing.T) (*harness, *fakeTransfers, *testStore) {
	t.Helper()
	s := sampleStore(100)
	f := &fakeTransfers{}
	h := newHarness(t, s, Options{StartAt: "acme/data", Transfers: f})
	h.settle()
	if h.rows() != 3 || h.selectedPath() != "README.md" {
		t.Fatalf("rows %d, selected %q", h.rows(), h.selectedPath())
	}
	return h, f, s
}

func wantSpecs(t *testing.T, f *fakeTransfers, want ...string) {
	t.Helper()
	if got := f.specs(); !slices.Equal(got, want) {
		t.Fatalf("submitted:\n %q\nwant\n %q", got, want)
	}
}

func TestMarkWithSpace(t *testing.T) {
	h, _, _ := xferHarness(t)
	h.send(spaceKey)
	if h.selectedPath() != "raw" {
		t.Fatalf("space did not move down: %q", h.selectedPath())
	}
	h.mustShow("✓ README.md", "marked: 1 file (1.2 KiB)")
	h.send(spaceKey) // raw/
	h.mustShow("✓ raw/", "marked: 1 file (1.2 KiB), 1 folder")
	h.press("up")
	h.send(spaceKey) // unmark raw/
	h.mustNotShow("✓ raw/")
	h.mustShow("✓ README.md", "marked: 1 file (1.2 KiB)")
	h.press("esc") // clears the marks, stays in the repository
	h.mustNotShow("✓", "marked:")
	if h.m.level != levelTree {
		t.Fatal("esc with marks left the repository")
	}
}

func TestDeleteMarkedFilesConfirmsCountAndBytes(t *testing.T) {
	h, f, _ := xferHarness(t)
	h.send(spaceKey) // README.md (1,200 bytes)
	h.press("down")  // zeta.txt
	h.send(spaceKey) // zeta.txt (3 bytes)
	h.press("d")
	h.mustShow("Delete 2 files from acme/data?", "README.md", "zeta.txt", "This deletes 2 objects (1.2 KiB)")
	h.press("j", "d", "enter", "o") // not answers: nothing happens
	h.mustShow("Delete 2 files from acme/data?")
	h.press("n")
	h.mustNotShow("Delete 2 files")
	h.mustShow("nothing deleted", "✓ README.md")
	wantSpecs(t, f)

	h.press("d", "y")
	wantSpecs(t, f, "delete-file acme/data README.md  0", "delete-file acme/data zeta.txt  0")
	h.mustNotShow("✓")
	h.mustShow("deleting 2 objects (1.2 KiB)")
}

func TestDeleteSelectedFile(t *testing.T) {
	h, f, _ := xferHarness(t)
	h.press("G", "d")
	h.mustShow("Delete 1 file from acme/data?", "zeta.txt", "This deletes 1 object (3 B)")
	h.press("esc")
	wantSpecs(t, f)
	h.press("d", "y")
	wantSpecs(t, f, "delete-file acme/data zeta.txt  0")
}

func TestDeleteFolderNeedsSecondConfirmation(t *testing.T) {
	h, f, s := xferHarness(t)
	h.press("down", "d") // raw/: raw/a.csv, raw/b.csv, raw/deep/c.bin
	h.mustShow("Delete 1 folder from acme/data?", "raw/", "counting the objects")
	h.press("y") // no answer before the count is in
	if d := h.deleting(); d == nil || d.second {
		t.Fatal("y was taken before the count finished")
	}
	h.settle()
	if s.Calls("list acme/data:raw/deep") == 0 {
		t.Fatal("the count did not walk the subfolder")
	}
	h.mustShow("This deletes 3 objects (1.5 MiB)")
	h.press("y")
	h.mustShow("Type raw and press enter", "folders and all")
	wantSpecs(t, f)
	h.typeText("ra")
	h.press("enter")
	h.mustShow("that is not raw")
	h.typeText("y")
	h.press("enter")
	wantSpecs(t, f)
	h.press("backspace")
	h.typeText("w") // "raw"
	h.mustNotShow("that is not raw")
	h.press("enter")
	wantSpecs(t, f, "delete-tree acme/data raw  0")
	if h.deleting() != nil {
		t.Fatal("the dialog stayed open")
	}
}

func TestDeleteFolderCancelled(t *testing.T) {
	for _, name := range []string{"while counting", "at the first question", "at the second question"} {
		t.Run(name, func(t *testing.T) {
			h, f, _ := xferHarness(t)
			h.press("down", "d")
			if name != "while counting" {
				h.settle()
			}
			if name == "at the second question" {
				h.press("y")
			}
			if name == "at the first question" {
				h.press("n")
			} else {
				h.typeText("raw")
				h.press("esc")
			}
			h.settle()
			h.mustNotShow("Delete 1 folder")
			h.mustShow("nothing deleted")
			h.press("y", "enter")
			wantSpecs(t, f)
		})
	}
}

func TestDeleteMarkedFolderAndItsFileOnce(t *testing.T) {
	h, f, _ := xferHarness(t)
	h.press("down", "enter") // expand raw/
	h.settle()
	h.send(spaceKey) // raw/
	h.send(spaceKey) // raw/a.csv, inside it
	h.press("G")
	h.send(spaceKey) // zeta.txt
	h.press("d")
	h.settle()
	h.mustShow("Delete 1 file and 1 folder", "This deletes 4 objects (1.5 MiB)")
	h.press("y")
	h.mustShow("Type raw")
	h.typeText("raw")
	h.press("enter")
	wantSpecs(t, f, "delete-tree acme/data raw  0", "delete-file acme/data zeta.txt  0")
}

// A large folder is counted whole, and its delete job is limited to the
// objects counted.
func TestDeleteCountsEveryObjectOfALargeFolder(t *testing.T) {
	const n = 105_000
	s := newTestStore(5000)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	s.Synthesize(acme, "big", n)
	f := &fakeTransfers{}
	h := newHarness(t, s, Options{StartAt: "acme/data", Transfers: f})
	h.settle()
	h.press("d")
	h.settle()
	h.mustShow("This deletes 105,000 objects")
	h.press("y")
	h.mustShow("Type big", "Objects added to big/ after the count are left in place.")
	h.typeText("big")
	h.press("enter")
	wantSpecs(t, f, "delete-tree acme/data big  0")
	if c := f.submitted[0].Confirmed; c == nil || c.Len() != n {
		t.Fatalf("the job is not limited to the %d objects counted: %+v", n, c)
	}
}

// What the dialog counted is what the folder's delete job may delete:
// an object added to the folder after the count is not in the job's
// confirmed set; files deleted on their own need none.
func TestDeleteFolderJobIsLimitedToTheCount(t *testing.T) {
	h, f, s := xferHarness(t)
	h.send(spaceKey) // README.md
	h.send(spaceKey) // raw/: raw/a.csv, raw/b.csv, raw/deep/c.bin
	h.press("d")
	h.settle()
	h.mustShow("This deletes 4 objects (1.5 MiB)")
	s.AddFile(acme, "raw/late.csv", 5)      // after the count
	s.AddFile(acme, "raw/deep/late.bin", 5) // and deeper
	h.press("y")
	h.mustShow("Objects added to raw/ after the count are left in place.")
	h.typeText("raw")
	h.press("enter")
	wantSpecs(t, f, "delete-file acme/data README.md  0", "delete-tree acme/data raw  0")
	if f.submitted[0].Confirmed != nil {
		t.Error("a file delete carries a confirmed set")
	}
	c := f.submitted[1].Confirmed
	if c == nil || c.Len() != 3 {
		t.Fatalf("confirmed set %+v, want the 3 objects counted", c)
	}
	file := func(p string) backend.Entry { return backend.Entry{Path: p, Type: backend.TypeFile} }
	for _, p := range []string{"raw/a.csv", "raw/b.csv", "raw/deep/c.bin"} {
		if !c.Has(file(p)) {
			t.Errorf("%s was counted but is not in the confirmed set", p)
		}
	}
	for _, p := range []string{"raw/late.csv", "raw/deep/late.bin", "README.md", "zeta.txt"} {
		if c.Has(file(p)) {
			t.Errorf("%s is in the confirmed set", p)
		}
	}
}

func TestTransfersPanelCancelRetryClear(t *testing.T) {
	h, f, _ := xferHarness(t)
	f.itemErrs = map[transfer.JobID][]transfer.ItemError{2: {{Job: 2, Repo: acme, Path: "zeta.txt", Err: errors.New("disk on fire")},
		{Job: 2, Repo: acme, Path: "evil\x1b[2J.txt", Err: errors.New("gone")}}}
	h.update(transfer.Update{
		Jobs: []transfer.Job{
			{ID: 1, Kind: transfer.UploadTree, Repo: acme, Local: "/tmp/photos", Remote: "photos", State: transfer.Running,
				Bytes: 512 << 10, TotalBytes: 1 << 20, Files: 3, TotalFiles: 6, Rate: 256 << 10, ETA: 2 * time.Second},
			{ID: 2, Kind: transfer.DeleteFile, Repo: acme, Remote: "zeta.txt", State: transfer.Failed, TotalFiles: 1, Failed: 1,
				Err: errors.New("zeta.txt: disk on fire")},
			{ID: 3, Kind: transfer.DownloadFile, Repo: acme, Remote: "README.md", Local: "/tmp/README.md", State: transfer.Done,
				Bytes: 1200, TotalBytes: 1200, Files: 1, TotalFiles: 1},
		},
		Totals: transfer.Totals{Running: 1, Failed: 1, Done: 1, Bytes: 512<<10 + 1200, TotalBytes: 1<<20 + 1200, Files: 4, TotalFiles: 8, Rate: 256 << 10},
	})
	h.mustShow("1 transfer 50%", "256.0 KiB/s", "1 failed (t shows)")
	h.press("t")
	h.mustShow("TRANSFERS", "1 running · 1 done · 1 failed",
		"/tmp/photos → acme/data/photos", " 50% 512.0 KiB of 1.0 MiB · 3 of 6 files · 256.0 KiB/s · ETA 2s", "running",
		"acme/data/zeta.txt", "0 of 1 file", "disk on fire", "failed",
		"acme/data/README.md → /tmp/README.md", "100% 1.2 KiB of 1.2 KiB", "done")
	h.press("R") // job 1 is running
	h.mustShow("only a failed or cancelled job can be retried")
	h.press("x")
	h.press("down", "x") // job 2 has failed
	h.mustShow("job 2 has already finished (failed)")
	h.press("R")
	h.press("enter")
	h.mustShow("Job 2: 2 files failed", "acme/data/zeta.txt: disk on fire", `acme/data/evil\x1b[2J.txt: gone`)
	if v := h.m.View().Content; strings.Contains(v, "\x1b[2J") || strings.Contains(v, `fire\n`) {
		t.Fatal("the failures are not drawn one a line, made safe")
	}
	h.press("esc") // dismisses
	h.press("X")   // one job is still running
	h.mustShow("cancelling 1 job")
	h.press("C")
	if !slices.Equal(f.cancelled, []transfer.JobID{1}) || !slices.Equal(f.retried, []transfer.JobID{2}) || f.cleared != 1 || f.cancelAll != 1 {
		t.Fatalf("cancelled %v, cancelled all %d times, retried %v, cleared %d", f.cancelled, f.cancelAll, f.retried, f.cleared)
	}
	h.mustNotShow("README.md → /tmp")
	h.mustShow("/tmp/photos → acme/data/photos")
	// Once nothing runs, cancelling all says so and asks nothing of the queue.
	h.update(transfer.Update{Jobs: []transfer.Job{{ID: 1, Kind: transfer.UploadTree, Repo: acme, Local: "/tmp/photos", Remote: "photos", State: transfer.Cancelled}}})
	h.press("X")
	h.mustShow("no job is running or waiting")
	if f.cancelAll != 1 {
		t.Fatalf("cancel all reached the queue with nothing running")
	}
	h.press("t")
	h.mustShow("README.md", "zeta.txt")
}

func TestOverwriteDialogDecides(t *testing.T) {
	for _, c := range []struct {
		key  string
		want transfer.Decision
	}{
		{"o", transfer.DecideOverwrite}, {"s", transfer.DecideSkip}, {"a", transfer.DecideOverwriteAll},
		{"S", transfer.DecideSkipAll}, {"c", transfer.DecideCancel},
	} {
		t.Run(c.key, func(t *testing.T) {
			h, f, _ := xferHarness(t)
			job := transfer.Job{ID: 7, Kind: transfer.UploadTree, Repo: acme, Local: "/tmp/raw", Remote: "raw",
				State: transfer.NeedsDecision, Conflict: "raw/a.csv", Attempt: 1}
			h.update(transfer.Update{Jobs: []transfer.Job{job}, Totals: transfer.Totals{NeedsDecision: 1}})
			h.mustShow("Already exists in the repository", "acme/data/raw/a.csv", "o overwrite", "a overwrite all", "S skip all", "c cancel job")
			h.press("j", "q", "d", "enter") // not answers
			if len(f.decided) != 0 || h.quit {
				t.Fatalf("decided %v, quit %v", f.decided, h.quit)
			}
			h.press(c.key)
			if !slices.Equal(f.decided, []decision{{7, c.want}}) {
				t.Fatalf("decided %v, want %v", f.decided, c.want)
			}
			h.mustNotShow("Already exists")
			// An Update built before the answer arrived asks nothing again.
			h.update(transfer.Update{Jobs: []transfer.Job{job}, Totals: transfer.Totals{NeedsDecision: 1}})
			h.mustNotShow("Already exists")
			// The next clash of the job is asked.
			job.Conflict = "raw/b.csv"
			h.update(transfer.Update{Jobs: []transfer.Job{job}, Totals: transfer.Totals{NeedsDecision: 1}})
			h.mustShow("acme/data/raw/b.csv")
			h.press("s")
			if len(f.decided) != 2 || f.decided[1] != (decision{7, transfer.DecideSkip}) {
				t.Fatalf("decided %v", f.decided)
			}
		})
	}
}

func TestOverwriteDialogWaitsForOpenPrompt(t *testing.T) {
	h, f, _ := xferHarness(t)
	h.press("u")
	h.mustShow("Upload into acme/data/")
	h.update(transfer.Update{Jobs: []transfer.Job{{ID: 1, Kind: transfer.DownloadFile, Repo: acme, Remote: "README.md",
		Local: "/tmp/x/README.md", State: transfer.NeedsDecision, Conflict: "/tmp/x/README.md", Attempt: 1}}})
	h.typeText("o")
	if len(f.decided) != 0 {
		t.Fatalf("a key typed into the prompt answered the dialog: %v", f.decided)
	}
	h.mustShow("Upload into", "1 job asks about overwriting")
	h.press("esc")
	h.mustShow("Already exists on this computer", "/tmp/x/README.md")
	h.press("o")
	if !slices.Equal(f.decided, []decision{{1, transfer.DecideOverwrite}}) {
		t.Fatalf("decided %v", f.decided)
	}
}

func TestQuitWithRunningJobsAsks(t *testing.T) {
	h, _, _ := xferHarness(t)
	running := transfer.Job{ID: 1, Kind: transfer.UploadFile, Repo: acme, Local: "/tmp/a", Remote: "a", State: transfer.Running}
	h.update(transfer.Update{Jobs: []transfer.Job{running}, Totals: transfer.Totals{Running: 1}})
	h.press("q")
	h.settle()
	if h.quit {
		t.Fatal("q quit with a job running")
	}
	h.mustShow("Quit with 1 transfer unfinished?", "Files already transferred are kept")
	h.press("n")
	h.mustNotShow("Quit with")
	h.press("q", "j", "q") // other keys do not answer
	h.mustShow("Quit with")
	h.press("y")
	h.settle()
	if !h.quit {
		t.Fatal("y did not quit")
	}

	// ctrl+c asks too, and a second ctrl+c quits.
	h, _, _ = xferHarness(t)
	h.update(transfer.Update{Jobs: []transfer.Job{running}})
	h.press("ctrl+c")
	h.settle()
	if h.quit {
		t.Fatal("ctrl+c quit with a job running")
	}
	h.press("ctrl+c")
	h.settle()
	if !h.quit {
		t.Fatal("the second ctrl+c did not quit")
	}

	// Once the job is done, q quits at once.
	h, _, _ = xferHarness(t)
	h.update(transfer.Update{Jobs: []transfer.Job{running}})
	running.State = transfer.Done
	h.update(transfer.Update{Jobs: []transfer.Job{running}, Totals: transfer.Totals{Done: 1, Idle: true}})
	h.press("q")
	h.settle()
	if !h.quit {
		t.Fatal("q did not quit with every job done")
	}
}

func TestAffectedFoldersReloadWhenJobsFinish(t *testing.T) {
	h, _, s := xferHarness(t)
	h.press("down", "enter") // expand raw/
	h.settle()
	before := s.Calls("list acme/data:raw")
	s.AddFile(acme, "raw/new.csv", 7)
	job := transfer.Job{ID: 1, Kind: transfer.UploadFile, Repo: acme, Local: "/tmp/new.csv", Remote: "raw/new.csv", State: transfer.Running}
	other := backend.RepoRef{AccountID: "acme", RepositoryID: "old"}
	h.update(transfer.Update{Jobs: []transfer.Job{job}, Totals: transfer.Totals{Running: 1},
		Affected: []transfer.Affected{{Repo: acme, Folder: "raw"}, {Repo: acme, Folder: ""}, {Repo: other, Folder: "x"}}})
	if s.Calls("list acme/data:raw") != before {
		t.Fatal("reloaded before the job finished")
	}
	h.mustNotShow("new.csv")
	job.State = transfer.Done
	h.update(transfer.Update{Jobs: []transfer.Job{job}, Totals: transfer.Totals{Done: 1}})
	h.mustShow("new.csv", "a.csv")
	if got := s.Calls("list acme/data:raw"); got != before+1 {
		t.Fatalf("raw listed %d more times, want 1", got-before)
	}
	if h.selectedPath() != "raw" {
		t.Fatalf("the reload moved the selection to %q", h.selectedPath())
	}
	// Nothing is left to reload: the next Update reloads nothing.
	h.update(transfer.Update{Totals: transfer.Totals{Done: 1, Idle: true}})
	if got := s.Calls("list acme/data:raw"); got != before+1 {
		t.Fatalf("raw listed again: %d", got-before)
	}
}

// A finished job reloads the open folders it changed and no others: an
// upload into a/b lists a/b again, not the unrelated open folder c with
// its 20,000 files; a change at the root lists the root again, and c
// reopens from its cached listing.
func TestOnlyChangedFoldersReload(t *testing.T) {
	s := newTestStore(1000)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	s.AddFile(acme, "a/b/x.txt", 1)
	s.Synthesize(acme, "c", 20_000)
	f := &fakeTransfers{}
	h := newHarness(t, s, Options{StartAt: "acme/data/a/b/x.txt", Transfers: f})
	h.settle()
	h.press("G") // c/
	h.press("enter")
	h.settle()
	if n := h.rows(); n != 4+20_000 {
		t.Fatalf("%d rows with a, a/b and c open", n)
	}
	calls := func() [4]int {
		return [4]int{s.Calls("list acme/data:"), s.Calls("list acme/data:a"), s.Calls("list acme/data:a/b"), s.Calls("list acme/data:c")}
	}
	before := calls()

	s.AddFile(acme, "a/b/y.txt", 2)
	job := transfer.Job{ID: 1, Kind: transfer.UploadFile, Repo: acme, Local: "/tmp/y.txt", Remote: "a/b/y.txt", State: transfer.Done}
	h.update(transfer.Update{Jobs: []transfer.Job{job}, Totals: transfer.Totals{Done: 1, Idle: true},
		Affected: []transfer.Affected{{Repo: acme, Folder: "a/b"}}})
	h.mustShow("y.txt")
	if got, want := calls(), [4]int{before[0], before[1], before[2] + 1, before[3]}; got != want {
		t.Fatalf("listings of root, a, a/b, c: %v, want %v", got, want)
	}

	// A new folder at the root: the root and the new folder's parent
	// chain change; c is not listed again and stays open.
	s.AddFile(acme, "new/z.txt", 3)
	job = transfer.Job{ID: 2, Kind: transfer.UploadFile, Repo: acme, Local: "/tmp/z.txt", Remote: "new/z.txt", State: transfer.Done}
	h.update(transfer.Update{Jobs: []transfer.Job{job}, Totals: transfer.Totals{Done: 2, Idle: true},
		Affected: []transfer.Affected{{Repo: acme, Folder: ""}, {Repo: acme, Folder: "new"}}})
	if h.m.tree.t.findPath("new") < 0 {
		t.Fatal("the new folder is not shown")
	}
	if got, want := calls(), [4]int{before[0] + 1, before[1], before[2] + 1, before[3]}; got != want {
		t.Fatalf("listings of root, a, a/b, c: %v, want %v", got, want)
	}
	if n := h.rows(); n != 6+20_000 {
		t.Fatalf("%d rows after the root reloaded, want a, a/b and its 2 files, c and its 20,000, and new", n)
	}
	if h.selectedPath() != "c" {
		t.Fatalf("the reload moved the selection to %q", h.selectedPath())
	}
}

func TestSubscriptionIsDrainedAndRearmed(t *testing.T) {
	s := sampleStore(100)
	f := &fakeTransfers{}
	for i := range 3 {
		f.push(transfer.Update{Jobs: []transfer.Job{{ID: transfer.JobID(i + 1), Kind: transfer.DeleteFile, Repo: acme,
			Remote: "zeta.txt", State: transfer.Done}}})
	}
	h := newHarness(t, s, Options{StartAt: "acme/data", Transfers: f})
	h.settle()
	if len(h.m.xfer.jobs) != 3 || len(f.pending) != 0 {
		t.Fatalf("%d jobs merged, %d updates left", len(h.m.xfer.jobs), len(f.pending))
	}
}

func TestTransfersDisabledWithoutQueue(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{StartAt: "acme/data"})
	h.settle()
	for _, k := range []tea.KeyPressMsg{spaceKey, keyMsg("u"), keyMsg("d"), keyMsg("D"), keyMsg("t")} {
		h.send(k)
		h.mustShow("Not available here", "switched off in this session", "sftp")
		h.press("esc")
		h.mustNotShow("Not available here")
	}
	h.mustNotShow("✓")
	h.mustShow("README.md")
	h.press("q")
	h.settle()
	if !h.quit {
		t.Fatal("q did not quit")
	}
}

func TestUploadPromptCompletesAndSubmits(t *testing.T) {
	h, f, _ := xferHarness(t)
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "photos", "ridge.png"), "png")
	writeTestFile(t, filepath.Join(dir, "photos-old", "x"), "x")
	writeTestFile(t, filepath.Join(dir, "notes.md"), "notes")
	h.m.xfer.home = dir

	h.press("down", "enter") // expand raw/: uploads go into it
	h.settle()
	h.press("u")
	h.mustShow("Upload into acme/data/raw/")
	h.typeText("~/ph")
	h.press("tab")
	h.settle()
	if h.prompt().value() != "~/photos" {
		t.Fatalf("input %q after tab", h.prompt().value())
	}
	h.mustShow("photos/", "photos-old/")
	// As in rsync and coop upload, a trailing slash means the folder's
	// contents; the prompt says where either goes.
	h.typeText("/")
	h.mustShow("→ the contents of photos/ go into acme/data/raw/")
	h.press("backspace")
	h.mustShow("→ photos goes into acme/data/raw/photos")
	h.press("enter")
	h.settle()
	wantSpecs(t, f, "upload-tree acme/data raw/photos "+filepath.Join(dir, "photos")+" 0")
	h.mustShow("uploading " + filepath.Join(dir, "photos"))

	// A file, into the folder holding the selected file.
	h.press("G", "u")
	h.mustShow("Upload into acme/data/")
	h.typeText(dir + "/no")
	h.press("tab")
	h.settle()
	h.press("enter")
	h.settle()
	wantSpecs(t, f, "upload-tree acme/data raw/photos "+filepath.Join(dir, "photos")+" 0",
		"upload-file acme/data notes.md "+filepath.Join(dir, "notes.md")+" 0")

	// A path that is not there is refused in the prompt.
	h.press("u")
	h.typeText(dir + "/missing")
	h.press("enter")
	h.settle()
	h.mustShow("missing: no such file or", "Upload into")
	h.press("tab")
	h.settle()
	h.mustShow("no match")
	h.press("esc")
	if len(f.specs()) != 2 || h.prompt() != nil {
		t.Fatalf("specs %v, prompt %v", f.specs(), h.prompt())
	}
}

func TestDownloadPromptAsksForAFolder(t *testing.T) {
	h, f, _ := xferHarness(t)
	dest := filepath.Join(t.TempDir(), "new", "dest")
	h.send(spaceKey) // README.md
	h.send(spaceKey) // raw/
	h.press("D")
	h.mustShow("Download 2 entries", "Into the local folder")
	if !strings.HasPrefix(h.prompt().value(), h.m.xfer.cwd) {
		t.Fatalf("the prompt does not start at the working folder: %q", h.prompt().value())
	}
	h.press("ctrl+u")
	h.typeText(dest)
	h.press("enter")
	h.settle()
	if fi, err := os.Stat(dest); err != nil || !fi.IsDir() {
		t.Fatalf("destination not created: %v", err)
	}
	wantSpecs(t, f, "download-file acme/data README.md "+filepath.Join(dest, "README.md")+" 0",
		"download-tree acme/data raw "+filepath.Join(dest, "raw")+" 0")
	h.mustNotShow("✓")
}

func writeTestFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// An empty repository, where uploads start, draws its note without a
// column of ellipses where the padding was cut for the preview.
func TestEmptyTreeDrawsCleanly(t *testing.T) {
	s := newTestStore(100)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	h := newHarness(t, s, Options{StartAt: "acme/data", Transfers: &fakeTransfers{}})
	h.settle()
	h.mustShow("  empty", "nothing selected")
	h.mustNotShow("… │")
}

// At 120 columns the footer of a repository shows every transfer key and quit.
func TestTreeFooterFits120(t *testing.T) {
	h, _, _ := xferHarness(t)
	h.send(tea.WindowSizeMsg{Width: 120, Height: 30})
	lines := strings.Split(h.view(), "\n")
	footer := lines[len(lines)-1]
	for _, want := range []string{"space mark", "u upload here", "d delete", "t transfers", "q/ctrl+c quit"} {
		if !strings.Contains(footer, want) {
			t.Errorf("footer lacks %q: %s", want, footer)
		}
	}
}
