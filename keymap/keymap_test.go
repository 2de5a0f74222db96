package keymap

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

func press(s string) tea.KeyPressMsg {
	switch s {
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+q":
		return tea.KeyPressMsg{Code: 'q', Mod: tea.ModCtrl}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func TestDefaults(t *testing.T) {
	k := Default()
	cases := []struct {
		b    key.Binding
		keys []string
	}{
		{k.Up, []string{"up", "k"}}, {k.Down, []string{"j"}}, {k.Quit, []string{"q", "ctrl+c"}},
		{k.Filter, []string{"/"}}, {k.Back, []string{"esc"}}, {k.Bottom, []string{"G"}},
	}
	for _, c := range cases {
		for _, s := range c.keys {
			if !key.Matches(press(s), c.b) {
				t.Errorf("%q does not match %v", s, c.b.Keys())
			}
		}
	}
	if h := k.Up.Help(); h.Key != "↑/k" || h.Desc != "up" {
		t.Errorf("up help = %+v", h)
	}
	for _, group := range k.FullHelp() {
		for _, b := range group {
			if b.Help().Desc == "" {
				t.Errorf("binding %v has no help", b.Keys())
			}
		}
	}
	if fh := k.FilterHelp(); fh[2].Help().Key != "↑" || fh[3].Help().Key != "↓" {
		t.Errorf("filter help shows typable keys: %+v %+v", fh[2].Help(), fh[3].Help())
	}
	if len(k.ShortHelp()) == 0 || len(Actions()) != 64 {
		t.Errorf("short help %d, actions %d", len(k.ShortHelp()), len(Actions()))
	}
}

func TestParseRebinds(t *testing.T) {
	src := "theme = \"light\"\n[keys]\nup = [\"k\", \"up\"]\nquit = \"ctrl+q\"\npreview = []\n"
	c, err := ParseConfig("config.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if c.Theme != "light" {
		t.Errorf("theme = %q", c.Theme)
	}
	if !key.Matches(press("ctrl+q"), c.Keys.Quit) || key.Matches(press("q"), c.Keys.Quit) || key.Matches(press("ctrl+c"), c.Keys.Quit) {
		t.Errorf("quit = %v", c.Keys.Quit.Keys())
	}
	if h := c.Keys.Quit.Help(); h.Key != "ctrl+q" || h.Desc != "quit" {
		t.Errorf("quit help = %+v", h)
	}
	if c.Keys.Preview.Enabled() || key.Matches(press("p"), c.Keys.Preview) {
		t.Errorf("preview still bound: %v", c.Keys.Preview.Keys())
	}
	if !key.Matches(press("j"), c.Keys.Down) {
		t.Error("untouched binding lost")
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"[keys]\nup = \"k\"\n\n\n\n\nupp = \"x\"\n", `config.toml:7: unknown action "upp"`},
		{"[keys]\nquit = \"ctrl+escape\"\n", `config.toml:2: quit: key "ctrl+escape": unknown key name "escape" (did you mean "esc"?)`},
		{"[keys]\ndown = [\"j\", \"shift+x\"]\n", `config.toml:2: down: key "shift+x": write the shifted character itself ("X")`},
		{"[keys]\ndown = \"alt+ctrl+x\"\n", `config.toml:2: down: key "alt+ctrl+x": write modifiers in the order`},
		{"[keys]\ndown = \"cmd+x\"\n", `config.toml:2: down: key "cmd+x": unknown modifier "cmd"`},
		{"[keys]\ndown = 3\n", `config.toml:2: down: want a key`},
		{"[keys]\ndown = [\"\"]\n", `config.toml:2: down: empty key`},
		{"[keys]\nquit = []\n", `config.toml:2: quit must keep at least one key`},
		{"[keys]\nup = \"j\"\n", `config.toml:2: key "j" of up is already bound to down`},
		{"theme = \"ligth\"\n", `config.toml:1: unknown theme "ligth" (valid: auto, dark, light, high-contrast)`},
		{"theme = 1\n", `config.toml:1: theme must be a string`},
		{"[keys]\nup = [\"k\"\n\nquit = \"q\"\n", `config.toml:4:`},
		{"theme = \"dark\"\n[keys\n", `config.toml:2:`},
	}
	for _, c := range cases {
		_, err := ParseConfig("config.toml", []byte(c.src))
		if err == nil {
			t.Errorf("%q: no error, want %s", c.src, c.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q:\n got %s\nwant %s…", c.src, err, c.want)
		}
	}
}

func TestFilterModeKeysMayShareKeys(t *testing.T) {
	// esc is both back and clear_filter by default; rebinding something
	// else must not report that as a conflict.
	if _, err := ParseConfig("c", []byte("[keys]\nrefresh = \"ctrl+r\"\n")); err != nil {
		t.Fatal(err)
	}
}

func TestTransferKeys(t *testing.T) {
	k := Default()
	space := tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	if !key.Matches(space, k.Mark) {
		t.Errorf("space (%q) does not mark: %v", space.String(), k.Mark.Keys())
	}
	for _, c := range []struct {
		s string
		b key.Binding
	}{{"u", k.Upload}, {"D", k.Download}, {"d", k.Delete}, {"t", k.Transfers}, {"x", k.CancelJob}, {"R", k.RetryJob},
		{"y", k.Confirm}, {"o", k.DecideOverwrite}, {"s", k.DecideSkip}, {"a", k.DecideOverwriteAll}, {"S", k.DecideSkipAll}, {"c", k.DecideCancel}} {
		if !key.Matches(press(c.s), c.b) {
			t.Errorf("%q does not match %v", c.s, c.b.Keys())
		}
	}
	if _, err := conflict(&k, Actions()); err != nil {
		t.Errorf("the defaults conflict: %v", err)
	}
	// Dialog answers may share keys with browsing keys; two browsing
	// actions may not.
	if _, err := ParseConfig("c", []byte("[keys]\noverwrite = \"d\"\n")); err != nil {
		t.Errorf("a dialog key clashes with a browsing key: %v", err)
	}
	if _, err := ParseConfig("c", []byte("[keys]\ndelete = \"u\"\n")); err == nil || !strings.Contains(err.Error(), "already bound to upload") {
		t.Errorf("delete = u: %v", err)
	}
	if ph := k.PromptHelp(); ph[0].Help().Key != "tab" || ph[1].Help().Key != "enter" {
		t.Errorf("prompt help = %+v %+v", ph[0].Help(), ph[1].Help())
	}
}

func TestValidateKey(t *testing.T) {
	good := []string{"k", "G", "?", "/", "+", "ctrl++", "enter", "ctrl+c", "shift+tab", "alt+enter", "f12", "pgdown", "space", "ctrl+alt+x", "é"}
	for _, s := range good {
		if err := ValidateKey(s); err != nil {
			t.Errorf("ValidateKey(%q) = %v", s, err)
		}
	}
	bad := []string{"", " k", "Enter", "f0", "f64", "ctrl+A", "shift+1", "kk", "ctrl+", " ", "\x1b"}
	for _, s := range bad {
		if err := ValidateKey(s); err == nil {
			t.Errorf("ValidateKey(%q) succeeded", s)
		}
	}
}

func TestLoadConfigFile(t *testing.T) {
	dir := t.TempDir()
	c, err := LoadConfig(filepath.Join(dir, "missing.toml"))
	if err != nil || c.Theme != "" || !key.Matches(press("q"), c.Keys.Quit) {
		t.Fatalf("missing file: %+v, %v", c.Theme, err)
	}
	p := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(p, []byte("[keys]\nupp = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err == nil || !strings.HasPrefix(err.Error(), p+":2: unknown action") {
		t.Fatalf("Load error = %v", err)
	}
	env := map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}
	if got := ConfigPath(func(k string) string { return env[k] }); got != "/x/coop/config.toml" {
		t.Errorf("ConfigPath = %q", got)
	}
	delete(env, "XDG_CONFIG_HOME")
	if got := ConfigPath(func(k string) string { return env[k] }); got != "/h/.config/coop/config.toml" {
		t.Errorf("ConfigPath = %q", got)
	}
}

// The editing keys of text fields rebind like any other, and may reuse a
// key that browsing uses (they apply only while a field has the keyboard).
func TestParseRebindsEditingKeys(t *testing.T) {
	c, err := ParseConfig("config.toml", []byte("[keys]\ndelete_word_back = \"alt+w\"\nline_start = [\"ctrl+a\", \"g\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !key.Matches(press("alt+w"), c.Keys.DeleteWordBack) || key.Matches(press("ctrl+w"), c.Keys.DeleteWordBack) {
		t.Errorf("delete_word_back = %v", c.Keys.DeleteWordBack.Keys())
	}
	if !key.Matches(press("g"), c.Keys.LineStart) || !key.Matches(press("g"), c.Keys.Top) {
		t.Errorf("line_start %v, top %v", c.Keys.LineStart.Keys(), c.Keys.Top.Keys())
	}
	if _, err := ParseConfig("config.toml", []byte("[keys]\nline_end = \"ctrl+u\"\n")); err == nil ||
		!strings.Contains(err.Error(), "delete_to_start") {
		t.Errorf("two editing actions on one key: %v", err)
	}
}

func TestPreviewBytes(t *testing.T) {
	c, err := ParseConfig("config.toml", []byte("[preview]\nmax_bytes = 4194304\n"))
	if err != nil || c.PreviewBytes != 4<<20 {
		t.Fatalf("max_bytes = %d, %v", c.PreviewBytes, err)
	}
	if c, err := ParseConfig("config.toml", []byte("theme = \"dark\"\n")); err != nil || c.PreviewBytes != 0 {
		t.Errorf("no [preview]: %d, %v", c.PreviewBytes, err)
	}
	for src, want := range map[string]string{
		"[preview]\nmax_bytes = 10\n":       "config.toml:2: preview.max_bytes 10: want 65536 (64 KiB)",
		"[preview]\nmax_bytes = \"1MiB\"\n": "config.toml:2: preview.max_bytes: ",
	} {
		if _, err := ParseConfig("config.toml", []byte(src)); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: %v; want %q…", src, err, want)
		}
	}
}

// Every action is in exactly one group of the help.
func TestGroupsHoldEveryAction(t *testing.T) {
	k := Default()
	seen := map[string]int{}
	for _, g := range k.Groups() {
		if g.Title == "" || len(g.Bindings) == 0 {
			t.Errorf("group %q with %d bindings", g.Title, len(g.Bindings))
		}
		for _, b := range g.Bindings {
			seen[b.Help().Key+" "+b.Help().Desc]++
		}
	}
	n := 0
	for _, c := range seen {
		n += c
	}
	if n != len(Actions()) {
		t.Fatalf("%d bindings in the groups, %d actions", n, len(Actions()))
	}
	for _, g := range groupOf() {
		for _, a := range g.actions {
			if !slices.Contains(Actions(), a) && a != "search" {
				t.Errorf("group %q names unknown action %q", g.title, a)
			}
		}
	}
}
