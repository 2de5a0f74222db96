package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// commandPaths lists every command of the tree below the root, as the
// words that run it ("account add-key").
func commandPaths(t *testing.T) [][]string {
	t.Helper()
	a := &app{getenv: func(string) string { return "" }}
	root := a.rootCommand()
	var paths [][]string
	forEachCommand(root, func(c *cobra.Command) {
		if c == root || c.Hidden {
			return
		}
		words := strings.Fields(strings.TrimPrefix(c.CommandPath(), "coop "))
		paths = append(paths, words)
	})
	if len(paths) < 20 {
		t.Fatalf("only %d commands found: %v", len(paths), paths)
	}
	return paths
}

// Each command's --help is its own: exit 0, its own usage line and
// description, only its own flags (the shared ones are in coop --help),
// and the same text as coop help CMD.
func TestEveryCommandHelp(t *testing.T) {
	root := t.TempDir()
	code, rootHelp, errs := runCLI(t, root, "--help")
	if code != 0 || errs != "" || !strings.Contains(rootHelp, "--storage") || !strings.Contains(rootHelp, "COOP_STORAGE") ||
		!strings.Contains(rootHelp, "Exit codes") {
		t.Fatalf("coop --help: exit %d, stderr %q:\n%s", code, errs, rootHelp)
	}
	seen := map[string]string{}
	for _, words := range commandPaths(t) {
		name := strings.Join(words, " ")
		code, out, errs := runCLI(t, root, append(words, "--help")...)
		if code != 0 || errs != "" {
			t.Errorf("coop %s --help: exit %d, stderr %q", name, code, errs)
			continue
		}
		if !strings.Contains(out, "coop "+name) {
			t.Errorf("coop %s --help has no usage line naming it:\n%s", name, out)
		}
		if strings.Contains(out, "--storage ") || strings.Contains(out, "COOP_STORAGE") {
			t.Errorf("coop %s --help lists the shared flags:\n%s", name, out)
		}
		if other, dup := seen[out]; dup {
			t.Errorf("coop %s --help is the same as coop %s --help", name, other)
		}
		seen[out] = name
		if code, out2, _ := runCLI(t, root, append([]string{"help"}, words...)...); code != 0 || out2 != out {
			t.Errorf("coop help %s (exit %d) differs from coop %s --help", name, code, name)
		}
		if name == "ls" {
			continue // ls -h is --human-readable, as in ls(1)
		}
		if code, out2, _ := runCLI(t, root, append(words, "-h")...); code != 0 || out2 != out {
			t.Errorf("coop %s -h (exit %d) differs from --help", name, code)
		}
	}
	for _, words := range [][]string{{"account"}, {"repo"}} {
		_, out, _ := runCLI(t, root, append(words, "--help")...)
		if !strings.Contains(out, "add-key") && !strings.Contains(out, "repair") {
			t.Errorf("coop %s --help does not list its subcommands:\n%s", words[0], out)
		}
	}
}

// --version, -v and coop version print the version; coop version --help
// prints help; a group with no subcommand is a usage error.
func TestVersionAndGroups(t *testing.T) {
	root := t.TempDir()
	want := "coop " + versionString() + "\n"
	for _, args := range [][]string{{"--version"}, {"-v"}, {"version"}} {
		if out := mustRun(t, root, args...); out != want {
			t.Errorf("coop %v = %q, want %q", args, out, want)
		}
	}
	if out := mustRun(t, root, "version", "--help"); strings.Contains(out, versionString()) || !strings.Contains(out, "coop version") {
		t.Errorf("coop version --help printed the version, not help:\n%s", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"account"}, "account needs a subcommand"},
		{[]string{"account", "frob"}, `unknown account subcommand "frob"`},
		{[]string{"repo"}, "repo needs a subcommand"},
		{[]string{"lss"}, "did you mean ls?"},
		{[]string{"version", "extra"}, "unknown command"},
		{[]string{"completion", "tcsh"}, `unknown completion subcommand "tcsh"`},
		{[]string{"ls", "--workers", "3"}, "unknown flag: --workers"},
		{[]string{"download", "--workers", "many", "a/b", "c"}, "--workers"},
	} {
		code, _, errs := runCLI(t, root, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("coop %v: exit %d, stderr %q; want exit 2 and one line containing %q", tc.args, code, errs, tc.want)
		}
	}
}

// coop man is a roff manual page naming every command and flag, the
// shared flags once.
func TestManPage(t *testing.T) {
	out := mustRun(t, t.TempDir(), "man")
	if !strings.HasPrefix(out, ".TH COOP 1") {
		t.Fatalf("coop man does not start a man page: %.80q", out)
	}
	for _, want := range []string{".SH NAME", ".SH OPTIONS", "add-key", "download", "serve", "--storage", "--max-sessions", "--workers", "--to-backend", "Exit codes"} {
		if !strings.Contains(out, want) {
			t.Errorf("coop man lacks %q", want)
		}
	}
	// The shared flags are described once, not again under each command.
	if n := strings.Count(out, "[COOP_STORAGE]"); n != 1 {
		t.Errorf("--storage is described %d times in coop man", n)
	}
}

// Each shell's completion script is written, and asks coop itself
// (__complete) for what to offer.
func TestCompletionScripts(t *testing.T) {
	root := t.TempDir()
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		out := mustRun(t, root, "completion", shell)
		if !strings.Contains(out, "__complete") || !strings.Contains(out, "coop") {
			t.Errorf("coop completion %s does not call coop __complete:\n%.300s", shell, out)
		}
	}
}

// The shell's request for completions (what the scripts send) gets
// accounts, repositories and paths from the store; folders end in a
// slash with no space after; names that would break the protocol are
// left out; flags with fixed values complete them.
func TestDynamicCompletion(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "account", "create", "earth-lab", "--type", "organization")
	mustRun(t, root, "account", "create", "alice", "--type", "user")
	mustRun(t, root, "repo", "create", "earth-lab/scenes")
	mustRun(t, root, "repo", "create", "earth-lab/soils")
	writeTree(t, root, "earth-lab/scenes", map[string]string{
		"2024/b.csv": "x", "2024/c.txt": "y", "readme.md": "z", "bad\x1bname": "w",
	})
	for _, tc := range []struct {
		args []string
		want []string
		dir  string
	}{
		{[]string{"ls", "ea"}, []string{"earth-lab/"}, ":6"},
		{[]string{"ls", ""}, []string{"alice/", "earth-lab/"}, ":6"},
		{[]string{"ls", "earth-lab/s"}, []string{"earth-lab/scenes/", "earth-lab/soils/"}, ":6"},
		{[]string{"stat", "earth-lab/scenes/"}, []string{"earth-lab/scenes/2024/", "earth-lab/scenes/readme.md"}, ":6"},
		{[]string{"cat", "earth-lab/scenes/2024/c"}, []string{"earth-lab/scenes/2024/c.txt"}, ":4"},
		{[]string{"repo", "repair", "earth-lab/"}, []string{"earth-lab/scenes", "earth-lab/soils"}, ":4"},
		{[]string{"repo", "create", "ali"}, []string{"alice/"}, ":6"},
		{[]string{"account", "keys", "a"}, []string{"alice"}, ":4"},
		{[]string{"--demo=false", "earth-lab/sc"}, []string{"earth-lab/scenes/"}, ":6"},
		{[]string{"serve", "--anonymous", ""}, []string{"none", "read"}, ":4"},
		{[]string{"ls", "nobody/"}, nil, ":5"}, // no such account: nothing, an error directive
	} {
		code, out, errs := runCLI(t, root, append([]string{"__complete"}, tc.args...)...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		got, directive := lines[:len(lines)-1], lines[len(lines)-1]
		slices.Sort(got)
		if code != 0 || strings.Join(got, ",") != strings.Join(tc.want, ",") || directive != tc.dir {
			t.Errorf("__complete %q: exit %d, %q %s (stderr %q); want %q %s", tc.args, code, got, directive, errs, tc.want, tc.dir)
		}
	}
}

// writeTree writes files straight into a local store's repository.
func writeTree(t *testing.T, root, repo string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(repo), filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// ls -h gives sizes in binary units, -R every file below the folder by
// its path from it (and JSON entries with --json), -l the long listing.
func TestLsFlags(t *testing.T) {
	root := downloadStore(t)
	writeTree(t, root, "earth-lab/scenes", map[string]string{"big.bin": strings.Repeat("x", 1536)})
	out := mustRun(t, root, "ls", "-h", "earth-lab/scenes")
	if !strings.Contains(out, "1.5 KiB") || strings.Contains(out, "1536") {
		t.Errorf("ls -h:\n%s", out)
	}
	if out := mustRun(t, root, "ls", "earth-lab/scenes"); !strings.Contains(out, "1536") {
		t.Errorf("ls without -h has no size in bytes:\n%s", out)
	}
	if long, plain := mustRun(t, root, "ls", "-l", "earth-lab/scenes"), mustRun(t, root, "ls", "earth-lab/scenes"); long != plain {
		t.Errorf("ls -l:\n%s\nls:\n%s", long, plain)
	}
	out = mustRun(t, root, "ls", "-R", "earth-lab/scenes/2024")
	var names []string
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		names = append(names, f[len(f)-1])
	}
	slices.Sort(names)
	if strings.Join(names, " ") != "b.csv sub/c.txt" {
		t.Errorf("ls -R listed %q:\n%s", names, out)
	}
	out = mustRun(t, root, "ls", "-lhR", "--json", "earth-lab/scenes")
	if strings.Count(out, `"path"`) != 4 || !strings.Contains(out, `"2024/sub/c.txt"`) {
		t.Errorf("ls -lhR --json:\n%s", out)
	}
	if code, _, errs := runCLI(t, root, "ls", "-R", "earth-lab"); code != 2 || !strings.Contains(errs, "ls -R lists the files below a folder") {
		t.Errorf("ls -R of an account: exit %d, %q", code, errs)
	}
}
