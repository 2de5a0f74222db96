package themes

import (
	"regexp"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

func TestBuiltinsLoad(t *testing.T) {
	for _, name := range Names() {
		th, err := Get(name)
		if err != nil {
			t.Fatalf("Get(%q): %v", name, err)
		}
		if th.Name != name {
			t.Errorf("Get(%q).Name = %q", name, th.Name)
		}
		for _, c := range []any{th.Text, th.Muted, th.Accent, th.SelectionFG, th.SelectionBG,
			th.Border, th.Error, th.Warning, th.Success, th.Directory, th.HeaderFG, th.HeaderBG} {
			if c == nil {
				t.Errorf("%s: a colour is nil", name)
			}
			if _, ok := c.(lipgloss.NoColor); ok {
				t.Errorf("%s: a colour did not parse", name)
			}
		}
	}
}

func TestGetAutoAndUnknown(t *testing.T) {
	for _, n := range []string{"", "auto", "AUTO"} {
		th, err := Get(n)
		if err != nil || th.Name != "dark" {
			t.Errorf("Get(%q) = %q, %v; want dark", n, th.Name, err)
		}
		if !IsAuto(n) {
			t.Errorf("IsAuto(%q) = false", n)
		}
	}
	_, err := Get("solarized")
	if err == nil {
		t.Fatal("Get(solarized) succeeded")
	}
	for _, want := range []string{`"solarized"`, "auto", "dark", "light", "high-contrast"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestForBackground(t *testing.T) {
	if ForBackground(true).Name != "dark" || ForBackground(false).Name != "light" {
		t.Fatal("ForBackground picks the wrong theme")
	}
}

func TestParseRejectsBadFiles(t *testing.T) {
	good, _ := builtin.ReadFile("builtin/dark.toml")
	cases := map[string]string{
		"bad colour":  strings.Replace(string(good), `text = "#D8DEE9"`, `text = "white"`, 1),
		"unknown key": string(good) + "\nsparkle = \"#FFFFFF\"\n",
		"syntax":      "name = ",
	}
	for name, src := range cases {
		if _, err := parse("x.toml", []byte(src)); err == nil {
			t.Errorf("%s: parse succeeded", name)
		}
	}
}

func TestNoColorStylesEmitNoColour(t *testing.T) {
	th, _ := Get("dark")
	s := NewStyles(th, true)
	out := s.Row.Render("x") + s.Directory.Render("d") + s.Error.Render("e") + s.Header.Render("h")
	if strings.Contains(out, "38;") || strings.Contains(out, "48;") {
		t.Fatalf("no-colour styles emit colour: %q", out)
	}
	if sel := s.Selected.Render("x"); !strings.Contains(sel, "\x1b[7m") {
		t.Fatalf("no-colour selection is not reverse video: %q", sel)
	}
	colored := NewStyles(th, false)
	if out := colored.Selected.Render("x"); !strings.Contains(out, "48;") {
		t.Fatalf("coloured selection has no background: %q", out)
	}
}

// isHexColor accepts what the regular expression it replaced accepted,
// and nothing else.
func TestIsHexColorIsTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)
	cases := []string{"", "#", "#1", "#12", "#123", "#1234", "#12345", "#123456", "#1234567",
		"#abc", "#ABC", "#aBcDeF", "#g00", "#00000g", "123", "1234567", "##12345", "#12 456",
		"#12345\n", "\n#123", "#ÿÿÿ", "#\x00\x00\x00", "#fff\n", "#FfFfFf"}
	for c := 0; c < 256; c++ {
		cases = append(cases, "#"+string(rune(c))+"00", "#00000"+string([]byte{byte(c)}))
	}
	for _, s := range cases {
		if got, want := isHexColor(s), re.MatchString(s); got != want {
			t.Errorf("isHexColor(%q) = %v, the regexp says %v", s, got, want)
		}
	}
}
