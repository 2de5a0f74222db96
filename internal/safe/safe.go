// Package safe makes untrusted text (account, repository and file names,
// metadata values, error messages) harmless to print on a terminal.
package safe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Text returns s with every control character, escape sequence byte and
// invalid UTF-8 byte shown as a visible escape (\x1b, \n, \u009b, \xff),
// so nothing in s can move the cursor, change colours or retitle the
// terminal. Printable text, including wide and combining characters,
// passes through unchanged. Backslashes are doubled so escapes stay
// unambiguous.
func Text(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case invisible(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// clean reports whether s needs no escaping: the common case, checked
// without allocating.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c == '\\' || c >= 0x80 {
			if c >= 0x80 {
				return cleanSlow(s[i:])
			}
			return false
		}
	}
	return true
}

func cleanSlow(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r < 0x20 || r == 0x7f || r == '\\' || invisible(r) {
			return false
		}
		i += size
	}
	return true
}

// invisible reports C1 controls and the Unicode line separators and
// bidirectional overrides that can disguise a name (a file shown as
// "gnp.exe" that is really "exe.png").
func invisible(r rune) bool {
	return (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' ||
		(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// Printable reports whether r passes through Text unescaped: not a
// control character, not one of the invisible characters above, and not
// the replacement for an invalid byte. Text typed into a field keeps only
// such runes, so it can be drawn as it is.
func Printable(r rune) bool {
	return r >= 0x20 && r != 0x7f && r != utf8.RuneError && !invisible(r)
}
