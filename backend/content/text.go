package content

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"

	"github.com/coopterm/coop/backend/content/highlight"
)

// TextBytes is the most of a text file a preview reads.
const TextBytes = 64 << 10

// maxPretty bounds a re-indented JSON body: indentation can multiply a
// deeply nested document's size.
const (
	maxPretty      = 256 << 10
	maxPrettyDepth = 32
)

// summarizeText describes the first bytes of a text file of the given
// format (one of the text formats), or as binary content if head is not
// text at all.
func summarizeText(name string, format Format, head []byte, size int64) *Summary {
	if !isText(head) {
		return binarySummary(head, size)
	}
	truncated := int64(len(head)) < size
	if truncated {
		head = wholeLines(head)
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	t := &Text{Truncated: truncated, Language: language(name, format)}
	if (format == FormatJSON || format == FormatGeoJSON) && !truncated {
		if pretty, ok := indentJSON(head); ok {
			head, t.Pretty = pretty, true
		}
	}
	if len(head) > maxPretty {
		head, t.Truncated = wholeLines(head[:maxPretty]), true
	}
	t.Body, t.Escaped = cleanText(head)
	t.Lines = strings.Count(t.Body, "\n")
	if t.Body != "" && !strings.HasSuffix(t.Body, "\n") {
		t.Lines++
	}
	return &Summary{Format: format, Size: size, Text: t}
}

// binarySummary describes content that is not text: never shown, only
// named by what its first bytes look like.
func binarySummary(head []byte, size int64) *Summary {
	mime := mimetype.Detect(head).String()
	if i := strings.IndexByte(mime, ';'); i >= 0 {
		mime = mime[:i]
	}
	return &Summary{Format: FormatBinary, Size: size, MIME: mime}
}

// language is the language (package highlight) a text format is
// highlighted as, "" for plain text.
func language(name string, format Format) string {
	switch format {
	case FormatMarkdown:
		return "markdown"
	case FormatJSON, FormatGeoJSON:
		return "json"
	case FormatYAML:
		return "yaml"
	case FormatTOML:
		return "toml"
	case FormatCode:
		return highlight.Match(name)
	}
	return ""
}

// wholeLines cuts b after its last newline, so that a preview of a longer
// file ends on a whole line (and never inside a UTF-8 sequence). A buffer
// without a newline is cut at its last whole rune.
func wholeLines(b []byte) []byte {
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[:i+1]
	}
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}

// indentJSON re-indents a whole JSON document, unless it is not JSON or
// too deeply nested to indent within bounds.
func indentJSON(b []byte) ([]byte, bool) {
	if !json.Valid(b) || jsonDepth(b) > maxPrettyDepth {
		return nil, false
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, false
	}
	out.WriteByte('\n')
	return out.Bytes(), true
}

// jsonDepth is the deepest nesting of arrays and objects in a valid JSON
// document.
func jsonDepth(b []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

// tabWidth is where tab stops fall.
const tabWidth = 8

// cleanText makes text safe to print: tabs expanded, CRLF made LF, and
// every other control character, invisible or direction-changing
// character and invalid UTF-8 byte shown as a visible escape (\x1b,
// \u202e, \xff), as names are. It returns the text and how many bytes it
// escaped. Backslashes are left alone: in file contents they are far
// more often code than an escape's look-alike.
func cleanText(b []byte) (string, int) {
	var out strings.Builder
	out.Grow(len(b))
	col, escaped := 0, 0
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&out, `\x%02x`, b[i])
			col += 4
			escaped++
		case r == '\n':
			out.WriteByte('\n')
			col = 0
		case r == '\r' && i+1 < len(b) && b[i+1] == '\n':
		case r == '\t':
			pad := tabWidth - col%tabWidth
			out.WriteString(strings.Repeat(" ", pad))
			col += pad
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&out, `\x%02x`, r)
			col += 4
			escaped += n
		case Hidden(r):
			fmt.Fprintf(&out, `\u%04x`, r)
			col += 6
			escaped += n
		default:
			out.WriteRune(r)
			col++
		}
		i += n
	}
	return out.String(), escaped
}

// Hidden reports the characters previews show escaped besides control
// characters: C1 controls and the characters that can make text look like
// something else (line separators, bidirectional overrides and isolates).
func Hidden(r rune) bool {
	return (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' ||
		(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}
