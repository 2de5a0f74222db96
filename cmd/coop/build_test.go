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

// The benchmark scripts read the clock without forking around what they
// time (bench-lib.sh's now, bash's $EPOCHREALTIME): a date(1) in a command
// substitution put a fork, an exec and a dynamic load inside every figure
// (/bin/true timed at 32 ms so at load 15, 7.6 ms without), a few ms idle
// where `coop stat`'s goal at RTT 0 is 20 ms in all.
func TestBenchmarksForkNothingAroundWhatTheyTime(t *testing.T) {
	dir := filepath.Join("..", "..", "scripts")
	lib, err := os.ReadFile(filepath.Join(dir, "bench-lib.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(lib), "EPOCHREALTIME") {
		t.Error("bench-lib.sh's now no longer reads bash's own clock ($EPOCHREALTIME)")
	}
	files, err := filepath.Glob(filepath.Join(dir, "bench-*.sh"))
	if err != nil {
		t.Fatal(err)
	}
	forked := regexp.MustCompile(`\$\((now|date \+%s)\b`)
	for _, f := range files {
		if filepath.Base(f) == "bench-lib.sh" {
			continue // now's fallback for a bash without $EPOCHREALTIME
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if forked.MatchString(line) {
				t.Errorf("%s:%d reads the clock in a command substitution (a fork inside the timing): %q; use bench-lib.sh's now VAR", filepath.Base(f), i+1, strings.TrimSpace(line))
			}
		}
	}
	if len(files) < 3 {
		t.Fatalf("found %d benchmark scripts; the glob no longer matches them", len(files))
	}
}
