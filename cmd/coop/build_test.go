package main

import (
	"os"
	"os/exec"
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

// make test says one line per step: the Debian packages it installs show
// apt's output only when apt fails (it printed some 150 lines of dpkg's
// progress on a fresh machine). Every apt-get of the Makefile goes
// through its apt function, which this runs with a stand-in apt-get that
// prints as dpkg does and succeeds, then fails.
func TestMakeShowsAptOnlyWhenItFails(t *testing.T) {
	makefile, err := filepath.Abs(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(makefile)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if strings.Contains(line, "apt-get install") && !strings.HasPrefix(line, "apt = ") {
			t.Errorf("Makefile installs packages outside its apt function: %s", strings.TrimSpace(line))
		}
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is not installed: ", err)
	}
	bin := t.TempDir()
	fake := "#!/bin/sh\necho 'Selecting previously unselected package tmux.'\nexit ${FAKE_APT_RC:-0}\n"
	if err := os.WriteFile(filepath.Join(bin, "apt-get"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, rc := range []string{"0", "1"} {
		cmd := exec.Command("make", "-s", "--no-print-directory", "-f", makefile,
			"--eval", "apt-check: ; @$(call apt,tmux)", "apt-check")
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "FAKE_APT_RC="+rc)
		out, err := cmd.CombinedOutput()
		noisy := strings.Contains(string(out), "Selecting previously")
		switch {
		case rc == "0" && (err != nil || noisy):
			t.Errorf("apt succeeding: make said %q (%v), want nothing", out, err)
		case rc == "1" && (err == nil || !noisy):
			t.Errorf("apt failing: make said %q (%v), want apt's output and a failure", out, err)
		}
	}
}
