package tui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend/transfer"
)

// screen is one level or overlay of the browser, reached from a fresh
// session by keys, with what it must show at every size and whether it
// is drawn in a box.
type screen struct {
	name  string
	start string
	keys  []string
	setup func(h *harness)
	want  []string // shown at every size
	wide  []string // shown from 80 columns
	box   bool
}

func screens() []screen {
	running := transfer.Update{Jobs: []transfer.Job{{ID: 3, Kind: transfer.UploadTree, Repo: acme,
		Local: "/home/someone/data/scenes", Remote: "raw/scenes", State: transfer.Running, Bytes: 5 << 20, TotalBytes: 10 << 20,
		Files: 5, TotalFiles: 10, Rate: 1 << 20}}, Totals: transfer.Totals{Running: 1, Bytes: 5 << 20, TotalBytes: 10 << 20, Files: 5, TotalFiles: 10}}
	clash := transfer.Update{Jobs: []transfer.Job{{ID: 4, Kind: transfer.UploadTree, Repo: acme, Local: "/tmp/raw", Remote: "raw",
		State: transfer.NeedsDecision, Conflict: "raw/a.csv", ConflictWith: "/tmp/raw/a.csv", Attempt: 1}}, Totals: transfer.Totals{NeedsDecision: 1}}
	return []screen{
		{name: "accounts", want: []string{"coop", "Alice", "accounts"}, wide: []string{"Alice Liddell", "Acme Corp", "organization"}},
		{name: "repositories", start: "acme", want: []string{"ID", "data", "old"}, wide: []string{"Sensor data", "VISIBILITY"}},
		{name: "tree", start: "acme/data/raw/a.csv", want: []string{"README.md", "a.csv", "entries"},
			wide: []string{"│ path       raw/a.csv", "id         obj-123"}},
		{name: "full preview", start: "acme/data/raw/a.csv", keys: []string{"enter"}, want: []string{"a.csv", "path"}},
		{name: "filter", start: "acme/data", keys: []string{"/", "z", "e"}, want: []string{"zeta.txt", "ze"}},
		{name: "help", keys: []string{"?"}, want: []string{"Move", "scroll"}, box: true},
		{name: "error", setup: func(h *harness) { h.m.fail("Could not list acme/data", errors.New("the store did not answer")) },
			want: []string{"Could not list", "press any key"}, box: true},
		{name: "details", start: "acme", keys: []string{"i"}, want: []string{"data"}, box: true},
		{name: "upload prompt", start: "acme/data/raw/a.csv", keys: []string{"u"}, want: []string{"Upload into", "acme/data/raw/"}, box: true},
		{name: "download prompt", start: "acme/data/raw/a.csv", keys: []string{"D"}, want: []string{"Download", "a.csv"}, box: true},
		{name: "delete", start: "acme/data/zeta.txt", keys: []string{"d"}, want: []string{"Delete 1 file", "zeta.txt"}, box: true},
		{name: "transfers panel", start: "acme/data", setup: func(h *harness) { h.update(running) }, keys: []string{"t"},
			want: []string{"TRANSFERS", "upload", "running"}, wide: []string{"50%", "5 of 10 files"}},
		// Both files' size and date at every size; labels in full from 80 columns.
		{name: "overwrite question", start: "acme/data", setup: func(h *harness) { h.update(clashOverFile(h.t, clash)) },
			want: []string{"raw/a.csv", "o overwrite", "1.5 MiB", "2025-03-04 05:06", "2.0 KiB", "2024-06-12 10:30"},
			wide: []string{"Already exists", "there now:", "yours:"}, box: true},
		{name: "quit question", start: "acme/data", setup: func(h *harness) { h.update(running) }, keys: []string{"q"},
			want: []string{"Quit with 1 transfer", "quits"}, box: true},
		{name: "search", start: "acme/data", keys: []string{"S"}, want: []string{"SEARCH"}},
		{name: "go to", start: "acme/data", keys: []string{":"}, want: []string{"Go to"}, box: true},
	}
}

// clashOverFile gives u's clash a local file of 2 KiB dated 2024-06-12
// 10:30 UTC, so that the question has both files' size and date to show.
func clashOverFile(t testing.TB, u transfer.Update) transfer.Update {
	local := filepath.Join(t.TempDir(), "a.csv")
	mustDo(os.WriteFile(local, make([]byte, 2048), 0o644))
	when := time.Date(2024, 6, 12, 10, 30, 0, 0, time.UTC)
	mustDo(os.Chtimes(local, when, when))
	u.Jobs = slices.Clone(u.Jobs)
	u.Jobs[0].ConflictWith = local
	return u
}

// TestScreensAtEverySize draws every level and overlay at 200×60,
// 120×40, 80×24 and 40×10: the frame is exactly the terminal's size with
// no line wider, a dialog keeps its whole border, and the fields that say
// what the screen is are on it.
func TestScreensAtEverySize(t *testing.T) {
	for _, sc := range screens() {
		for _, sz := range screenSizes {
			w, hgt := sz[0], sz[1]
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, w, hgt), func(t *testing.T) {
				h := newHarness(t, sampleStore(100), Options{StartAt: sc.start, Transfers: &fakeTransfers{}})
				h.send(resize(w, hgt))
				h.settle()
				if sc.setup != nil {
					sc.setup(h)
				}
				h.press(sc.keys...)
				h.settle()
				lines := checkScreen(t, sc.name, h.view(), w, hgt)
				if sc.box {
					checkBox(t, sc.name, lines)
				}
				want := sc.want
				if w >= 80 {
					want = append(want[:len(want):len(want)], sc.wide...)
				}
				v := strings.Join(lines, "\n")
				for _, s := range want {
					if !strings.Contains(v, s) {
						t.Errorf("%s at %d×%d lacks %q:\n%s", sc.name, w, hgt, s, v)
					}
				}
			})
		}
	}
}
