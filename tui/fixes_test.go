package tui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/memstore"
	"github.com/coopterm/coop/backend/transfer"
)

// The repository list shows each repository's id, which every path
// needs, beside its title, at every width.
func TestReposShowIDs(t *testing.T) {
	for _, w := range []int{200, 120, 80, 40} {
		h := newHarness(t, sampleStore(100), Options{StartAt: "acme"})
		h.send(resize(w, 24))
		h.settle()
		h.mustShow("ID", "data", "old")
		if w >= 80 {
			h.mustShow("Sensor data", "Old data", "TITLE")
		}
		checkScreen(t, "repositories", h.view(), w, 24)
	}
}

// A folder's preview has one type line and no "size 0 bytes" from its
// metadata entry; a file whose entry disagrees on the type says so.
func TestFolderPreviewOneTypeNoSize(t *testing.T) {
	s := sampleStore(100)
	s.SetMetadata(acme, backend.SourceMetadata{Objects: map[string]backend.ObjectMeta{
		"raw":      {ID: "dir-1", Type: backend.TypeDirectory},
		"zeta.txt": {ID: "z", Type: backend.TypeDirectory, Size: 3},
	}}, nil)
	h := newHarness(t, s, Options{StartAt: "acme/data/raw"})
	h.settle()
	if h.selectedPath() != "raw" {
		t.Fatalf("selected %q", h.selectedPath())
	}
	h.mustShow("id         dir-1", "type       folder")
	v := h.view()
	if n := strings.Count(v, "│ type "); n != 1 {
		t.Fatalf("%d type lines:\n%s", n, v)
	}
	h.mustNotShow("directory", "0 bytes")
	h.press("G")
	h.settle()
	h.mustShow("type       file", "type       directory", "size       3 bytes")
}

// Custom metadata keys longer than 10 characters are shown whole, in a
// column as wide as the longest (up to 40 % of the pane), or on a line
// of their own when longer still.
func TestPreviewLongMetadataKeys(t *testing.T) {
	s := sampleStore(100)
	long := "a_very_long_metadata_key_that_goes_on_and_on_beyond_any_column"
	s.SetMetadata(acme, backend.SourceMetadata{Objects: map[string]backend.ObjectMeta{
		"zeta.txt": {ID: "z", Type: backend.TypeFile, Size: 3, Metadata: map[string]any{
			"cloud_cover": 12.5, "platform": "landsat-9", long: "v"}},
	}}, nil)
	h := newHarness(t, s, Options{StartAt: "acme/data/zeta.txt"})
	h.send(resize(160, 40))
	h.settle()
	h.mustShow("cloud_cover 12.5", "platform    landsat-9", long, "  v")
	h.mustNotShow("cloud_cov…")
	for _, w := range []int{120, 80} {
		h.send(resize(w, 40))
		h.mustShow("cloud_cover")
		h.mustNotShow("cloud_cov…")
		checkScreen(t, "preview", h.view(), w, 40)
	}
}

// The header's breadcrumb and the store's location never run into each
// other: each is cut where it is too long, the cut marked "…", with a
// blank between them.
func TestHeaderCrumbAndLocationApart(t *testing.T) {
	mem := memstore.New(memstore.WithLocation("local:///home/someone/projects/coop/demo"))
	s := &testStore{Faults: memstore.WithFaults(mem), mem: mem}
	s.AddAccount("earth-lab", backend.AccountOrganization, "Earth Lab")
	s.AddRepo(backend.Repository{ID: "landsat-scenes", AccountID: "earth-lab", Title: "Landsat"})
	s.AddFile(backend.RepoRef{AccountID: "earth-lab", RepositoryID: "landsat-scenes"},
		"LC09_L2SP_034032_20240612_20240613_02_T1/bands/B4.TIF", 10)
	h := newHarness(t, s, Options{StartAt: "earth-lab/landsat-scenes/LC09_L2SP_034032_20240612_20240613_02_T1/bands/B4.TIF"})
	for _, w := range []int{200, 120, 100, 80, 60, 40} {
		h.send(resize(w, 20))
		h.settle()
		head := strings.Split(h.view(), "\n")[0]
		if ansi.StringWidth(head) != w {
			t.Fatalf("at %d columns the header is %d wide: %q", w, ansi.StringWidth(head), head)
		}
		if !strings.HasPrefix(head, " coop earth-lab") {
			t.Errorf("at %d: header %q does not start with the account", w, head)
		}
		if !strings.HasSuffix(head, "coop/demo ") {
			t.Errorf("at %d: header %q does not end with the location", w, head)
		}
		locAt := strings.LastIndex(head, " local:///")
		if i := strings.LastIndex(head, " …"); locAt < 0 && i >= 0 {
			locAt = i
		}
		if locAt < 1 || head[locAt-1] != ' ' {
			t.Errorf("at %d: breadcrumb and location meet: %q", w, head)
		}
		if w < 120 && !strings.Contains(head[:locAt], "…") {
			t.Errorf("at %d: breadcrumb cut without a mark: %q", w, head)
		}
	}
}

// Transfer rows and the upload prompt cut long paths in the middle: the
// start of each and its file name stay, both sides of the arrow.
func TestTransferRowsCutPathsInTheMiddle(t *testing.T) {
	h, _, _ := xferHarness(t)
	local := "/home/someone/very/deep/folder/of/scenes/LC09_L2SP_034032_20240612/B4.TIF"
	remote := "imagery/landsat/collection-2/level-2/LC09_L2SP_034032_20240612/B4.TIF"
	h.update(transfer.Update{Jobs: []transfer.Job{{ID: 1, Kind: transfer.UploadFile, Repo: acme, Local: local, Remote: remote,
		State: transfer.Running, TotalBytes: 10, TotalFiles: 1}}})
	h.press("t")
	for _, w := range []int{120, 80, 60} {
		h.send(resize(w, 24))
		row := ""
		for _, l := range strings.Split(h.view(), "\n") {
			if strings.Contains(l, "upload") && strings.Contains(l, "→") {
				row = l
			}
		}
		if row == "" {
			t.Fatalf("at %d: no job row:\n%s", w, h.view())
		}
		if !strings.Contains(row, "/home/") || !strings.Contains(row, "B4.TIF → acme/") || !strings.Contains(row, "/B4.TIF ") ||
			!strings.Contains(row, "…") {
			t.Errorf("at %d: row %q does not keep both ends of both paths", w, row)
		}
	}
	h.press("t")
	h.send(resize(40, 12))
	s := sampleStore(100)
	s.AddFile(acme, "imagery/landsat/collection-2/level-2/LC09_L2SP_034032_20240612/B4.TIF", 1)
	h2 := newHarness(t, s, Options{StartAt: "acme/data/imagery/landsat/collection-2/level-2/LC09_L2SP_034032_20240612/B4.TIF",
		Transfers: &fakeTransfers{}})
	h2.send(resize(40, 12))
	h2.settle()
	h2.press("u")
	v := h2.view()
	if !strings.Contains(v, "Upload into acme/") || !strings.Contains(v, "…") || !strings.Contains(v, "20240612/ ") {
		t.Fatalf("upload prompt does not cut the destination in the middle:\n%s", v)
	}
}

// After a delete the cursor goes to the row that followed the deleted
// one (or, for the last row of a folder, the one before it), not to the
// folder above.
func TestCursorAfterDeleteGoesToNextRow(t *testing.T) {
	h, _, s := xferHarness(t)
	h.press("down", "enter") // expand raw/
	h.settle()
	h.press("down")
	if h.selectedPath() != "raw/a.csv" {
		t.Fatalf("selected %q", h.selectedPath())
	}
	id := transfer.JobID(0)
	deleted := func(path string, folder string) {
		t.Helper()
		mustDo(s.mem.DeleteObject(context.Background(), acme, path))
		id++
		job := transfer.Job{ID: id, Kind: transfer.DeleteFile, Repo: acme, Remote: path, State: transfer.Done, Files: 1, TotalFiles: 1}
		h.update(transfer.Update{Jobs: []transfer.Job{job}, Totals: transfer.Totals{Done: 1},
			Affected: []transfer.Affected{{Repo: acme, Folder: folder}}})
	}
	deleted("raw/a.csv", "raw")
	if h.selectedPath() != "raw/b.csv" {
		t.Fatalf("after deleting raw/a.csv the cursor is on %q, want raw/b.csv", h.selectedPath())
	}
	h.press("G")
	if h.selectedPath() != "zeta.txt" {
		t.Fatalf("selected %q", h.selectedPath())
	}
	deleted("zeta.txt", "")
	if h.selectedPath() != "raw" {
		t.Fatalf("after deleting the last row the cursor is on %q, want raw (the row before)", h.selectedPath())
	}
}

// "cancelling job 9" and "retrying job 9" go from the status line once
// the job has ended, without waiting for a key.
func TestJobNotesGoWhenTheJobEnds(t *testing.T) {
	h, _, _ := xferHarness(t)
	job := transfer.Job{ID: 9, Kind: transfer.UploadTree, Repo: acme, Local: "/tmp/up", Remote: "up", State: transfer.Running, TotalFiles: 5}
	h.update(transfer.Update{Jobs: []transfer.Job{job}, Totals: transfer.Totals{Running: 1}})
	h.press("t", "x")
	h.mustShow("cancelling job 9")
	h.update(transfer.Update{Jobs: []transfer.Job{job}, Totals: transfer.Totals{Running: 1}})
	h.mustShow("cancelling job 9") // still running
	job.State = transfer.Cancelled
	h.update(transfer.Update{Jobs: []transfer.Job{job}, Totals: transfer.Totals{Cancelled: 1}})
	h.mustNotShow("cancelling job 9")
	h.press("R")
	h.mustShow("retrying job 9")
	h.update(transfer.Update{Jobs: []transfer.Job{job}, Totals: transfer.Totals{Cancelled: 1}}) // built before the retry
	h.mustShow("retrying job 9")
	job.State = transfer.Running
	h.update(transfer.Update{Jobs: []transfer.Job{job}, Totals: transfer.Totals{Running: 1}})
	h.mustShow("retrying job 9")
	job.State = transfer.Done
	h.update(transfer.Update{Jobs: []transfer.Job{job}, Totals: transfer.Totals{Done: 1}})
	h.mustNotShow("retrying job 9")
}

// A filter that matches nothing says so, not that the list is empty.
func TestFilterWithNoMatchSaysSo(t *testing.T) {
	for _, start := range []string{"", "acme", "acme/data"} {
		h := newHarness(t, sampleStore(100), Options{StartAt: start})
		h.settle()
		h.press("/")
		h.typeText("zzzq")
		h.settle()
		h.mustShow("no match for “zzzq”")
		h.mustNotShow("  empty", "no accounts", "no repositories")
	}
}

// The upload target is the selected folder whether or not it is
// expanded (the folder of the selected file otherwise), and "folder/"
// uploads the folder's contents there, as `coop upload folder/` does.
func TestUploadTargetAndTrailingSlash(t *testing.T) {
	h, f, _ := xferHarness(t)
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "photos", "ridge.png"), "png")
	h.press("down") // raw/, collapsed
	h.press("u")
	h.mustShow("Upload into acme/data/raw/")
	h.press("esc", "enter") // expanded
	h.settle()
	h.press("u")
	h.mustShow("Upload into acme/data/raw/")
	h.typeText(dir + "/photos/")
	h.press("enter")
	h.settle()
	wantSpecs(t, f, "upload-tree acme/data raw "+filepath.Join(dir, "photos")+" 0")
}

// The overwrite question shows the size and date of both files: the one
// there now and the one that would replace it.
func TestOverwriteQuestionShowsBothFiles(t *testing.T) {
	h, _, _ := xferHarness(t)
	local := filepath.Join(t.TempDir(), "a.csv")
	writeTestFile(t, local, "twelve bytes")
	when := time.Date(2024, 6, 12, 10, 30, 0, 0, time.UTC)
	mustDo(os.Chtimes(local, when, when))
	h.update(transfer.Update{Jobs: []transfer.Job{{ID: 7, Kind: transfer.UploadTree, Repo: acme, Local: filepath.Dir(local), Remote: "raw",
		State: transfer.NeedsDecision, Conflict: "raw/a.csv", ConflictWith: local, Attempt: 1}}, Totals: transfer.Totals{NeedsDecision: 1}})
	h.mustShow("Already exists in the repository", "acme/data/raw/a.csv",
		"there now: 1.5 MiB (1,572,864 bytes) · 2025-03-04 05:06 UTC", "yours:     12 bytes · 2024-06-12 10:30 UTC")
	// A download asks about the local file, and shows the repository's.
	h.update(transfer.Update{Jobs: []transfer.Job{{ID: 7, Kind: transfer.UploadTree, Repo: acme, State: transfer.Done},
		{ID: 8, Kind: transfer.DownloadFile, Repo: acme, Local: local, Remote: "README.md",
			State: transfer.NeedsDecision, Conflict: local, ConflictWith: "README.md", Attempt: 1}}, Totals: transfer.Totals{NeedsDecision: 1}})
	h.mustShow("Already exists on this computer", "yours:             12 bytes · 2024-06-12 10:30 UTC", "in the repository: 1.2 KiB")
}

// At 40×10 the question has four lines inside its box: the path, each
// file's size and date on a line of its own, and the keys.
func TestOverwriteQuestionCompact(t *testing.T) {
	h, _, _ := xferHarness(t)
	h.send(resize(40, 10))
	local := filepath.Join(t.TempDir(), "a-long-local-file-name.csv")
	writeTestFile(t, local, strings.Repeat("x", 1_048_000)) // the widest size: 1023.4 KiB
	when := time.Date(2024, 6, 12, 10, 30, 0, 0, time.UTC)
	mustDo(os.Chtimes(local, when, when))
	h.update(transfer.Update{Jobs: []transfer.Job{{ID: 8, Kind: transfer.DownloadFile, Repo: acme, Local: local, Remote: "README.md",
		State: transfer.NeedsDecision, Conflict: local, ConflictWith: "README.md", Attempt: 1}}, Totals: transfer.Totals{NeedsDecision: 1}})
	h.settle()
	lines := checkScreen(t, "question", h.view(), 40, 10)
	checkBox(t, "question", lines)
	h.mustShow("yours: 1023.4 KiB 2024-06-12 10:30", "repo:  1.2 KiB · ", "name.csv", "o overwrite")
}

// G while a large folder is still listed goes to the true end once the
// listing is done, not to the last row loaded when it was pressed; a
// move of the user's own stops following the end.
func TestBottomWhileLoadingFollowsTheEnd(t *testing.T) {
	s := newTestStore(1000)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	s.Synthesize(acme, "big", 10_000)
	h := newHarness(t, s, Options{StartAt: "acme/data/big"})
	h.until("the first page of big", func() bool { return h.m.tree != nil && h.rows() > 1 && h.rows() < 5000 })
	h.press("G")
	if got := h.selectedPath(); got == "big/file-0009999.dat" {
		t.Fatalf("the listing was already complete: %q", got)
	}
	h.settle()
	if got := h.selectedPath(); got != "big/file-0009999.dat" {
		t.Fatalf("after loading, G left the cursor on %q", got)
	}
	// Pressing G, then moving up, stays where the user went.
	h2 := newHarness(t, s, Options{StartAt: "acme/data/big"})
	h2.until("the first page of big", func() bool { return h2.m.tree != nil && h2.rows() > 1 && h2.rows() < 5000 })
	h2.press("G", "up")
	at := h2.selectedPath()
	h2.settle()
	if got := h2.selectedPath(); got != at {
		t.Fatalf("the cursor moved from %q to %q after the user moved", at, got)
	}
}

// Totals count failed files, and a job whose files failed is not shown
// as 100 %; a finished job shows no rate, and the status line's rate is
// the running rows' own.
func TestTransferTotalsHonest(t *testing.T) {
	h, _, _ := xferHarness(t)
	h.update(transfer.Update{Jobs: []transfer.Job{
		{ID: 1, Kind: transfer.UploadTree, Repo: acme, Local: "/tmp/up", Remote: "up", State: transfer.Failed,
			Bytes: 100, TotalBytes: 100, Files: 1, TotalFiles: 1, Failed: 2, Err: errors.New("up/x: unreadable")},
		{ID: 2, Kind: transfer.DownloadFile, Repo: acme, Local: "/tmp/r", Remote: "README.md", State: transfer.Running,
			Bytes: 1 << 20, TotalBytes: 4 << 20, Files: 0, TotalFiles: 1, Rate: 2 << 20},
	}, Totals: transfer.Totals{Running: 1, Failed: 1, Bytes: 1<<20 + 100, TotalBytes: 4<<20 + 100, Files: 1, TotalFiles: 2, Rate: 91 << 20}})
	h.mustShow("2.0 MiB/s")
	h.mustNotShow("91.0 MiB/s")
	h.press("t")
	h.mustShow(" 33% 100 B of 100 B · 1 of 3 files · 2 failed", "4.0 MiB · 1 of 3 files · 2 fail")
	h.mustNotShow("100% 100 B", "1 of 1 file")
}

// A location longer than a third of the line stays whole while the
// heading leaves room for it (the accounts page's tabs are short).
func TestLocationTakesTheRoomTheHeadingLeaves(t *testing.T) {
	loc := "local:///tmp/TestBrowseLocalStore4008607559/001"
	mem := memstore.New(memstore.WithLocation(loc))
	s := &testStore{Faults: memstore.WithFaults(mem), mem: mem}
	s.AddAccount("earth-lab", backend.AccountOrganization, "Earth Lab")
	h := newHarness(t, s, Options{})
	h.send(resize(120, 20))
	h.settle()
	head := strings.Split(h.view(), "\n")[0]
	if !strings.HasSuffix(head, " "+loc+" ") {
		t.Errorf("the header cuts a location it has room for: %q", head)
	}
}

// With a folder selected the upload goes into it; ctrl+t moves the
// target up, so a repository root holding only folders can be reached.
func TestUploadTargetMovesUp(t *testing.T) {
	h, f, _ := xferHarness(t)
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "ridge.png"), "png")
	h.press("down") // raw/
	h.press("u")
	h.mustShow("Upload into acme/data/raw/", "ctrl+t")
	h.press("ctrl+t")
	h.mustShow("Upload into acme/data/")
	h.mustNotShow("acme/data/raw/", "ctrl+t")
	h.typeText(filepath.Join(dir, "ridge.png"))
	h.press("enter")
	h.settle()
	wantSpecs(t, f, "upload-file acme/data ridge.png "+filepath.Join(dir, "ridge.png")+" 0")
}
