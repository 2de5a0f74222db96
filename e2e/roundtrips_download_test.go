package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A folder downloaded where the repository's metadata is not in the
// local index (another machine uploaded it, or the cache was cleared):
// the metadata's document is fetched to check the files against, and
// the files' GETs go with it, not after it: two round trips (the lookup,
// listing and HEADs; then the document and the files), where waiting for
// the document took three.
func TestFolderDownloadDoesNotWaitForTheDocument(t *testing.T) {
	d := newDistantStore(t)
	const files = 6
	src := filepath.Join(t.TempDir(), "wave")
	for i := range files {
		writeFile(t, filepath.Join(src, fmt.Sprintf("%d.csv", i)), fmt.Sprintf("a\n%d\n", i))
	}
	wantRun(t, d.env, 0, "upload", src, "acme/data")
	cold := *d
	cold.env = append(append([]string(nil), d.env...), "XDG_CACHE_HOME="+t.TempDir()) // no index of the document
	dst := t.TempDir()
	ops, rounds := cold.measure(t, "download", "--workers", fmt.Sprint(files), "acme/data/wave/", dst)
	t.Logf("coop download wave/ with no local index: %d requests in %d round trips: %s", len(ops), rounds, strings.Join(ops, " "))
	gets := 0
	for _, op := range ops {
		if op == "GetObject" {
			gets++
		}
	}
	if gets != files+1 {
		t.Errorf("%d GETs, want %d: the document's and the files'", gets, files+1)
	}
	if rounds != 2 {
		t.Errorf("%d round trips, want 2", rounds)
	}
	for i := range files {
		if got, err := os.ReadFile(filepath.Join(dst, fmt.Sprintf("%d.csv", i))); err != nil || string(got) != fmt.Sprintf("a\n%d\n", i) {
			t.Errorf("%d.csv: %q, %v", i, got, err)
		}
	}
}
