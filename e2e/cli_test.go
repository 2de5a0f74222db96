package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// bashComplete loads coop's bash completion script in a real bash (with
// the bash-completion package, which make test installs, as a user's
// interactive shell has it), checks
// that it is registered for coop, and asks it (as a tab after line would)
// what to complete the last word of line with: the script runs the coop
// binary on PATH, which lists the store.
func bashComplete(t *testing.T, env []string, line string) []string {
	t.Helper()
	script := filepath.Join(t.TempDir(), "coop.bash")
	if err := os.WriteFile(script, []byte(coop(t, env, "completion", "bash")), 0o644); err != nil {
		t.Fatal(err)
	}
	const driver = `source /usr/share/bash-completion/bash_completion || exit 4
source "$1"
complete -p coop || exit 3
read -r -a COMP_WORDS <<< "$2"
case "$2" in *' ') COMP_WORDS+=("") ;; esac
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$2"
COMP_POINT=${#COMP_LINE}
cur="${COMP_WORDS[COMP_CWORD]}"
prev="${COMP_WORDS[COMP_CWORD-1]}"
__start_coop coop "$cur" "$prev"
printf 'reply:%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command("bash", "--norc", "--noprofile", "-c", driver, "bash", script, line)
	cmd.Env = append(os.Environ(), append(env, "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"))...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash completion of %q: %v\n%s", line, err, out)
	}
	if !strings.Contains(string(out), "complete -o default -F __start_coop coop") &&
		!strings.Contains(string(out), "__start_coop coop") {
		t.Fatalf("complete -p coop does not show coop's completion:\n%s", out)
	}
	var got []string
	for l := range strings.Lines(string(out)) {
		if r, ok := strings.CutPrefix(strings.TrimRight(l, "\n"), "reply:"); ok && r != "" {
			got = append(got, r)
		}
	}
	slices.Sort(got)
	return got
}

// The bash completion script, loaded in a real bash, completes commands,
// flags, and ACCOUNT/REPO/PATH from the store through the real binary.
func TestBashCompletion(t *testing.T) {
	_, env := makeLocalStore(t)
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"coop dow", []string{"download"}},
		{"coop ls ea", []string{"earth-lab/"}},
		{"coop ls earth-lab/", []string{"earth-lab/archive/", "earth-lab/scenes/"}},
		{"coop stat earth-lab/scenes/2024/", []string{"earth-lab/scenes/2024/b.csv"}},
		{"coop download earth-lab/scenes/R", []string{"earth-lab/scenes/README.md"}},
		{"coop account add-member earth-lab alice ", []string{"maintainer", "owner", "read", "write"}},
		{"coop ls --json --sto", []string{"--storage"}},
	} {
		if got := bashComplete(t, env, tc.line); !slices.Equal(got, tc.want) {
			t.Errorf("tab after %q offers %q, want %q", tc.line, got, tc.want)
		}
	}
}

// coop man renders as a manual page with man itself.
func TestManPageRenders(t *testing.T) {
	page := filepath.Join(t.TempDir(), "coop.1")
	if err := os.WriteFile(page, []byte(coop(t, nil, "man")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("man"); err != nil {
		t.Fatalf("man is not installed (make test installs it): %v", err)
	}
	cmd := exec.Command("man", "-l", page)
	cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=100")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("man -l coop.1: %v\n%s", err, out)
	}
	for _, want := range []string{"NAME", "coop - Browse and manage", "download", "--storage"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the rendered man page lacks %q:\n%.2000s", want, out)
		}
	}
}

// coop ACCOUNT[/REPO[/PATH]] opens the browser there, as ssh -t host PATH
// does: the account's repositories, or the file selected with its
// metadata in the preview, before any key is pressed.
func TestBrowseAtPath(t *testing.T) {
	root, env := makeLocalStore(t)
	tm := startTerm(t, env, bin, "--storage", root, "earth-lab")
	s := tm.waitFor(10*time.Second, "Scenes of the Range", "Cold archive")
	if strings.Contains(s, "Alice Nakamura") {
		t.Errorf("coop earth-lab shows the accounts list:\n%s", s)
	}
	tm.send("q")
	tm.waitExit(t, 5*time.Second)

	tm = startTerm(t, env, bin, "--storage", root, "earth-lab/scenes/2024/b.csv")
	tm.waitFor(10*time.Second, "b.csv", "station", "st-42")
	tm.send("q")
	tm.waitExit(t, 5*time.Second)
}
