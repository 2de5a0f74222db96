package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coopterm/coop/internal/testservers"
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

// One large file downloaded at a distance: its ranges (twelve in flight)
// find their connections opened as the command started, beside the
// lookups that tell it a file, instead of each waiting a round trip for
// a handshake once the file's size is known.
func TestLargeDownloadFindsItsConnectionsOpen(t *testing.T) {
	d := newDistantStore(t)
	for _, p := range []*testservers.FaultProxy{d.s3, d.dyn} {
		p.SetDelay(0)
	}
	src := filepath.Join(t.TempDir(), "big.bin")
	body := bytes.Repeat([]byte("0123456789abcdef"), 12<<20) // 192 MiB: 12 ranges, as many as go at once
	if err := os.WriteFile(src, body, 0o644); err != nil {
		t.Fatal(err)
	}
	wantRun(t, d.env, 0, "upload", src, "acme/data/big.bin")
	for _, p := range []*testservers.FaultProxy{d.s3, d.dyn} {
		p.SetDelay(oneWay)
	}
	dst := filepath.Join(t.TempDir(), "got.bin")
	ops, rounds := d.measure(t, "download", "acme/data/big.bin", dst)
	t.Logf("coop download big.bin: %d requests in %d round trips: %s", len(ops), rounds, strings.Join(ops, " "))
	gets, waited := d.getsWaited()
	if gets < 12 || waited != 0 {
		t.Errorf("%d GETs of a file in 12 ranges, %d of them waited for a handshake, want none", gets, waited)
	}
	if got, err := os.ReadFile(dst); err != nil || !bytes.Equal(got, body) {
		t.Errorf("big.bin: %d bytes (%v), want the %d uploaded", len(got), err, len(body))
	}
}
