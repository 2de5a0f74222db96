// Package themes turns a small set of semantic colours (text, muted, accent,
// selection, error, …) into the lipgloss styles the browser draws with, so
// that views never pick colours themselves and a theme is one file.
//
// The built-in themes (dark, light, high-contrast) are embedded TOML files.
// Nothing here is mutable package state: every caller gets its own Theme and
// Styles values, which keeps SSH sessions independent.
package themes

import (
	"embed"
	"fmt"
	"image/color"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/BurntSushi/toml"
)

// Auto is the theme name that picks dark or light from the terminal's
// background colour; the empty name means the same.
const Auto = "auto"

//go:embed builtin/*.toml
var builtin embed.FS

// Theme is a set of semantic colours. Views never use colours directly;
// they use the Styles derived from a Theme by NewStyles.
type Theme struct {
	// Name is the theme's name as given to Get.
	Name string
	// Dark says the theme is meant for a dark terminal background.
	Dark bool

	Text        color.Color // ordinary text
	Muted       color.Color // secondary text: ids, dates, hints
	Accent      color.Color // active tab, breadcrumbs, keys in help
	SelectionFG color.Color // text of the selected row
	SelectionBG color.Color // background of the selected row
	Border      color.Color // pane borders and separators
	Error       color.Color // error boxes and failed loads
	Warning     color.Color // missing or unreadable metadata
	Success     color.Color // completed operations
	Directory   color.Color // folder names
	HeaderFG    color.Color // header bar text
	HeaderBG    color.Color // header bar background
	// Background is the terminal background the theme is made for. The
	// browser never paints it (the terminal's own shows); the contrast
	// of every colour is checked against it.
	Background color.Color
}

// themeFile is the on-disk shape of a theme: colours as "#RRGGBB".
type themeFile struct {
	Name        string `toml:"name"`
	Dark        bool   `toml:"dark"`
	Text        string `toml:"text"`
	Muted       string `toml:"muted"`
	Accent      string `toml:"accent"`
	SelectionFG string `toml:"selection_fg"`
	SelectionBG string `toml:"selection_bg"`
	Border      string `toml:"border"`
	Error       string `toml:"error"`
	Warning     string `toml:"warning"`
	Success     string `toml:"success"`
	Directory   string `toml:"directory"`
	HeaderFG    string `toml:"header_fg"`
	HeaderBG    string `toml:"header_bg"`
	Background  string `toml:"background"`
}

// isHexColor reports whether s is #RGB or #RRGGBB. A hand check, not a
// regular expression compiled at package init, which every command
// (coop stat as much as the browser) paid at its start.
func isHexColor(s string) bool {
	if len(s) != 4 && len(s) != 7 || s[0] != '#' {
		return false
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}

// Names lists the built-in theme names, in the order shown to users. "auto"
// is accepted by Get as well but is not a theme of its own.
func Names() []string { return []string{"dark", "light", "high-contrast"} }

// IsAuto reports whether name asks for the theme to follow the terminal
// background ("" or "auto").
func IsAuto(name string) bool { return name == "" || strings.EqualFold(name, Auto) }

// Get returns the built-in theme called name. For "" and "auto" it returns
// the dark theme, which callers replace once the terminal has reported its
// background (see ForBackground). An unknown name is an error that lists
// the valid ones.
func Get(name string) (Theme, error) {
	if IsAuto(name) {
		name = "dark"
	}
	for _, n := range Names() {
		if n == name {
			return load(n)
		}
	}
	return Theme{}, fmt.Errorf("unknown theme %q (valid: %s, %s)", name, Auto, strings.Join(Names(), ", "))
}

// ForBackground returns the light or dark built-in theme to suit a
// terminal whose background is dark (isDark) or light.
func ForBackground(isDark bool) Theme {
	name := "light"
	if isDark {
		name = "dark"
	}
	t, err := load(name)
	if err != nil {
		// The built-ins are checked by tests; this cannot happen in a
		// released binary.
		panic(err)
	}
	return t
}

func load(name string) (Theme, error) {
	data, err := builtin.ReadFile("builtin/" + name + ".toml")
	if err != nil {
		return Theme{}, fmt.Errorf("theme %q: %w", name, err)
	}
	return parse(name+".toml", data)
}

// parse decodes and checks one theme file: every colour must be present
// and a hex colour, and no unknown keys may appear.
func parse(file string, data []byte) (Theme, error) {
	var f themeFile
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		return Theme{}, fmt.Errorf("%s: %w", file, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		return Theme{}, fmt.Errorf("%s: unknown key %q", file, u[0].String())
	}
	t := Theme{Name: f.Name, Dark: f.Dark}
	fields := []struct {
		key string
		val string
		dst *color.Color
	}{
		{"text", f.Text, &t.Text}, {"muted", f.Muted, &t.Muted},
		{"accent", f.Accent, &t.Accent}, {"selection_fg", f.SelectionFG, &t.SelectionFG},
		{"selection_bg", f.SelectionBG, &t.SelectionBG}, {"border", f.Border, &t.Border},
		{"error", f.Error, &t.Error}, {"warning", f.Warning, &t.Warning},
		{"success", f.Success, &t.Success}, {"directory", f.Directory, &t.Directory},
		{"header_fg", f.HeaderFG, &t.HeaderFG}, {"header_bg", f.HeaderBG, &t.HeaderBG},
		{"background", f.Background, &t.Background},
	}
	for _, fl := range fields {
		if !isHexColor(fl.val) {
			return Theme{}, fmt.Errorf("%s: %s = %q: want a colour like \"#88C0D0\"", file, fl.key, fl.val)
		}
		*fl.dst = lipgloss.Color(fl.val)
	}
	if t.Name == "" {
		return Theme{}, fmt.Errorf("%s: name is missing", file)
	}
	return t, nil
}
