package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every build of coop the repository makes — the release, `make build`,
// the benchmark scripts — is the release's: without cgo. A cgo build is a
// dynamically linked binary: the loader maps libc at every start, and
// os/user asks NSS for the audit log's user name on every S3 command's
// path (≈ 5 ms of CPU and 60 page faults of a `coop stat`), so a
// benchmark of it timed a start users of the release never see.
func TestBuildsAreTheReleases(t *testing.T) {
	root := filepath.Join("..", "..")
	rel, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rel), "CGO_ENABLED=0") {
		t.Fatal(".goreleaser.yaml no longer builds without cgo; change this test and the builds below with it")
	}
	files, err := filepath.Glob(filepath.Join(root, "scripts", "*.sh"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join(root, "Makefile"))
	build := regexp.MustCompile(`(\S+[ \t]+)?go build\b[^&\n;)]*\./cmd/coop\b`)
	found := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range build.FindAllStringSubmatch(string(b), -1) {
			found++
			if strings.TrimSpace(m[1]) != "CGO_ENABLED=0" {
				t.Errorf("%s: %q builds coop with cgo; the release does not", filepath.Base(f), m[0])
			}
		}
	}
	if found < 2 {
		t.Fatalf("found %d builds of ./cmd/coop in the Makefile and scripts; the pattern no longer matches them", found)
	}
}
