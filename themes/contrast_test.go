package themes

import (
	"fmt"
	"image/color"
	"reflect"
	"testing"

	"charm.land/lipgloss/v2"
)

func TestContrastKnownValues(t *testing.T) {
	cases := []struct {
		a, b string
		want float64
	}{
		{"#000000", "#FFFFFF", 21},
		{"#FFFFFF", "#FFFFFF", 1},
		{"#FFFF00", "#FFFFFF", 1.07}, // the old high-contrast header
		{"#D0D0D0", "#FFFFFF", 1.54},
		{"#777777", "#FFFFFF", 4.48},
	}
	for _, c := range cases {
		got := Contrast(lipgloss.Color(c.a), lipgloss.Color(c.b))
		if got < c.want-0.01 || got > c.want+0.01 {
			t.Errorf("Contrast(%s, %s) = %.3f, want %.2f", c.a, c.b, got, c.want)
		}
	}
}

// lineStyles draw lines, not text: they need the contrast of a border.
var lineStyles = map[string]bool{"Separator": true, "Help.ShortSeparator": true, "Help.FullSeparator": true}

// TestThemesContrast checks every foreground on its background in every
// style every built-in theme derives (each field of Styles, so a style
// added later is checked too): text 7:1 in high-contrast and 4.5:1 in the
// others, lines and box borders 3:1. A style without a background is
// drawn on the terminal's (Theme.Background); without a foreground, in
// the theme's text colour.
func TestThemesContrast(t *testing.T) {
	for _, name := range Names() {
		th, err := Get(name)
		if err != nil {
			t.Fatal(err)
		}
		if Contrast(th.Text, th.Background) < th.MinContrast() {
			t.Errorf("%s: text on background %.2f:1", name, Contrast(th.Text, th.Background))
		}
		checked := 0
		eachStyle(reflect.ValueOf(NewStyles(th, false)), "", func(field string, st lipgloss.Style) {
			checked++
			fg, bg := st.GetForeground(), st.GetBackground()
			if isNone(fg) {
				fg = th.Text
			}
			if isNone(bg) {
				bg = th.Background
			}
			min := th.MinContrast()
			if lineStyles[field] {
				min = MinLineContrast
			}
			if r := Contrast(fg, bg); r < min {
				t.Errorf("%s: %s: %s on %s is %.2f:1, want ≥ %.1f:1", name, field, hex(fg), hex(bg), r, min)
			}
			if b := st.GetBorderTopForeground(); !isNone(b) {
				if r := Contrast(b, bg); r < MinLineContrast {
					t.Errorf("%s: %s border: %s on %s is %.2f:1, want ≥ %.1f:1", name, field, hex(b), hex(bg), r, MinLineContrast)
				}
			}
		})
		if checked < 30 {
			t.Fatalf("%s: only %d styles checked", name, checked)
		}
	}
}

// eachStyle calls fn for every lipgloss.Style in v, a struct of styles
// (nested structs such as help.Styles included), named by field path.
func eachStyle(v reflect.Value, prefix string, fn func(string, lipgloss.Style)) {
	for i := range v.NumField() {
		f, name := v.Field(i), prefix+v.Type().Field(i).Name
		switch st := f.Interface().(type) {
		case lipgloss.Style:
			fn(name, st)
		default:
			if f.Kind() == reflect.Struct {
				eachStyle(f, name+".", fn)
			}
		}
	}
}

func isNone(c color.Color) bool {
	if c == nil {
		return true
	}
	_, ok := c.(lipgloss.NoColor)
	return ok
}

func hex(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02X%02X%02X", r>>8, g>>8, b>>8)
}
