package main

import (
	"io"
	"os/exec"
	"strings"
	"testing"
)

// slowInit are packages that must not be linked into coop: Go runs
// every linked package's init when any command starts, and these do much
// there (measured with GODEBUG=inittrace=1 on a warm `coop stat`: chroma's
// lexers parse about 250 embedded XML lexers, 17–19 ms; its styles 7–9
// ms; glamour brings both, and goldmark's extensions and bluemonday, 2
// ms each). The content preview highlights with coop's own lexers over
// chroma's core (backend/content/highlight) instead.
var slowInit = map[string]string{
	"github.com/alecthomas/chroma/v2/lexers":     "registers every chroma lexer at start (17–19 ms)",
	"github.com/alecthomas/chroma/v2/styles":     "registers every chroma style at start (7–9 ms)",
	"github.com/alecthomas/chroma/v2/formatters": "registers every chroma formatter at start",
	"charm.land/glamour/v2":                      "links chroma's lexers and styles, bluemonday and goldmark's extensions",
	"github.com/yuin/goldmark/extension":         "compiles its regular expressions at start (about 3 ms)",
	"github.com/microcosm-cc/bluemonday":         "builds its sanitiser policies at start (about 2 ms)",
}

// TestStartLinksNothingSlowToInit fails when a package whose init costs
// every coop command milliseconds is linked into the binary again.
func TestStartLinksNothingSlowToInit(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps listed %d packages: %q", len(deps), deps)
	}
	for _, p := range deps {
		for slow, why := range slowInit {
			if p == slow || strings.HasPrefix(p, slow+"/") {
				t.Errorf("coop links %s, which %s: every command, `coop stat` too, pays for it when it starts", p, why)
			}
		}
	}
}

// Descriptions are finished only for a command line that may show one;
// each way of showing one still shows them whole: paragraphs joined, and
// the shared flags' note under each command.
func TestDescriptionsFinishedForHelpAndMan(t *testing.T) {
	root := t.TempDir()
	for _, args := range [][]string{{"stat", "--help"}, {"help", "stat"}, {"stat", "-h"}, {"--storage", root, "stat", "--help=true"}} {
		out := strings.Join(strings.Fields(mustRun(t, root, args...)), " ")
		if !strings.Contains(out, strings.Join(strings.Fields(globalNote), " ")) {
			t.Errorf("coop %v does not end the description with the shared flags' note:\n%s", args, out)
		}
	}
	for _, args := range [][]string{{"--help"}, {"man"}} {
		if out := mustRun(t, root, args...); !strings.Contains(out, "accounts, their repositories, and the objects in them") {
			t.Errorf("coop %v shows the description as wrapped in the source:\n%s", args, out)
		}
	}
	for args, want := range map[string]bool{
		"stat a/b/c": false, "ls -l x": false, "upload -- -h x/y": false, "ls -lh x": true,
		"--help": true, "help": true, "repo repair --help=1": true, "man": true, "-h": true,
	} {
		if got := mayShowHelp(strings.Fields(args)); got != want {
			t.Errorf("mayShowHelp(%q) = %v, want %v", args, got, want)
		}
	}
}

// BenchmarkRootCommand is what building the command tree costs each
// command at start.
func BenchmarkRootCommand(b *testing.B) {
	for b.Loop() {
		a := &app{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
		a.opts = defaultOptions(a.getenv)
		a.rootCommand()
	}
}
