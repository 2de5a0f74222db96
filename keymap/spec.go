package keymap

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// themeName decodes the top-level theme setting, insisting on a string.
type themeName string

// UnmarshalTOML implements toml.Unmarshaler.
func (t *themeName) UnmarshalTOML(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("theme must be a string, like theme = \"light\"")
	}
	*t = themeName(s)
	return nil
}

// keySpec is the value of one [keys] entry: a key ("ctrl+q") or a list of
// keys (["k", "up"]). Each key is checked when decoded, so a malformed one
// is reported with its line.
type keySpec []string

// UnmarshalTOML implements toml.Unmarshaler.
func (k *keySpec) UnmarshalTOML(v any) error {
	var keys []string
	switch v := v.(type) {
	case string:
		keys = []string{v}
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("keys must be strings, like [\"k\", \"up\"]; got %v", e)
			}
			keys = append(keys, s)
		}
	default:
		return fmt.Errorf("want a key like \"ctrl+q\" or a list like [\"k\", \"up\"]; got %v", v)
	}
	seen := map[string]bool{}
	for _, s := range keys {
		if err := ValidateKey(s); err != nil {
			return err
		}
		if !seen[s] {
			*k = append(*k, s)
			seen[s] = true
		}
	}
	return nil
}

// modifierOrder lists modifiers in the order Bubble Tea spells them in
// key names.
func modifierOrder() []string { return []string{"ctrl", "alt", "shift", "meta", "hyper", "super"} }

// namedKey reports the non-printable key names Bubble Tea reports.
func namedKey(s string) bool {
	switch s {
	case "enter", "tab", "backspace", "esc", "space", "up", "down", "left", "right",
		"begin", "find", "insert", "delete", "select", "pgup", "pgdown", "home", "end",
		"capslock", "scrolllock", "numlock", "printscreen", "pause", "menu":
		return true
	}
	if n, ok := strings.CutPrefix(s, "f"); ok && n != "" {
		var i int
		if _, err := fmt.Sscanf(n, "%d", &i); err == nil && fmt.Sprint(i) == n && i >= 1 && i <= 63 {
			return true
		}
	}
	return false
}

// alias maps names people write for keys to Bubble Tea's spelling.
func alias(name string) (string, bool) {
	switch strings.ToLower(name) {
	case "escape":
		return "esc", true
	case "return":
		return "enter", true
	case "pageup", "page_up":
		return "pgup", true
	case "pagedown", "page_down":
		return "pgdown", true
	case "del":
		return "delete", true
	case "ins":
		return "insert", true
	case "bs":
		return "backspace", true
	case "spacebar":
		return "space", true
	}
	return "", false
}

// ValidateKey checks a key as written in the config file, in the form
// Bubble Tea reports key presses: "k", "G", "?", "enter", "ctrl+c",
// "shift+tab", "alt+enter". It returns an error saying what to write
// instead when the key could never match a key press.
func ValidateKey(s string) error {
	if s == "" {
		return fmt.Errorf("empty key")
	}
	if strings.TrimSpace(s) != s {
		return fmt.Errorf("key %q has surrounding spaces", s)
	}
	rest := s
	var mods []string
	for {
		i := strings.IndexByte(rest, '+')
		if i <= 0 || i == len(rest)-1 {
			break // no modifier, or the key itself is "+"
		}
		mods = append(mods, rest[:i])
		rest = rest[i+1:]
	}
	order := modifierOrder()
	next := 0
	for _, m := range mods {
		pos := -1
		for j, o := range order {
			if strings.EqualFold(m, o) {
				pos = j
			}
		}
		switch {
		case pos < 0:
			return fmt.Errorf("key %q: unknown modifier %q (valid: %s)", s, m, strings.Join(order, ", "))
		case m != order[pos]:
			return fmt.Errorf("key %q: write modifiers in lower case (%q)", s, order[pos])
		case pos < next:
			return fmt.Errorf("key %q: write modifiers in the order %s", s, strings.Join(order, "+"))
		}
		next = pos + 1
	}
	if namedKey(rest) {
		return nil
	}
	if a, ok := alias(rest); ok {
		return fmt.Errorf("key %q: unknown key name %q (did you mean %q?)", s, rest, a)
	}
	if utf8.RuneCountInString(rest) != 1 {
		if namedKey(strings.ToLower(rest)) {
			return fmt.Errorf("key %q: write key names in lower case (%q)", s, strings.ToLower(rest))
		}
		return fmt.Errorf("key %q: unknown key name %q", s, rest)
	}
	r, _ := utf8.DecodeRuneInString(rest)
	switch {
	case r == ' ':
		return fmt.Errorf("key %q: write the space bar as \"space\"", s)
	case !unicode.IsPrint(r):
		return fmt.Errorf("key %q: not a printable character", s)
	case len(mods) == 1 && mods[0] == "shift" && unicode.IsLetter(r):
		return fmt.Errorf("key %q: write the shifted character itself (%q), not shift+", s, string(unicode.ToUpper(r)))
	case len(mods) == 1 && mods[0] == "shift":
		return fmt.Errorf("key %q: write the shifted character itself (such as \"!\" or \"?\"), not shift+", s)
	case len(mods) > 0 && unicode.IsUpper(r):
		return fmt.Errorf("key %q: use a lower-case letter with modifiers", s)
	}
	return nil
}
