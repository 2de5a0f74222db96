package render

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/internal/humanize"
)

// text draws the start of a text file: Markdown rendered, code
// highlighted, plain text as it is; a last line says when the file goes
// on.
func (d *drawer) text(ctx context.Context, s *content.Summary) {
	t := s.Text
	kind := name(s.Format)
	if s.Format == content.FormatCode && t.Language != "" {
		kind = t.Language
	}
	d.title(fmt.Sprintf("%s · %s", kind, plural(int64(t.Lines), "line", "lines")))
	d.blank()
	body := strings.TrimSuffix(t.Body, "\n")
	head, rest := splitStyled(body)
	var out string
	switch {
	case !d.o.Color || body == "":
		out, rest = body, ""
	case s.Format == content.FormatMarkdown:
		out = d.markdown(ctx, head)
	case t.Language != "":
		out = d.highlight(ctx, head, t.Language)
	default:
		out, rest = body, ""
	}
	for line := range strings.SplitSeq(out, "\n") {
		d.add(line)
	}
	if rest != "" {
		for line := range strings.SplitSeq(rest, "\n") {
			d.add(line)
		}
	}
	if t.Truncated {
		d.blank()
		d.add(d.dim(fmt.Sprintf("… the first %s of %s", humanize.Bytes(int64(len(t.Body))), humanize.Bytes(s.Size))))
	}
}

// styledBytes is how much of a text is highlighted or rendered: lexing
// takes about as long as a person notices for this much (BenchmarkStyledText:
// 8 KiB of Python 20–30 ms, of Markdown 5–7 ms on a busy 2-core machine),
// ten times that for a whole 64 KiB preview. The rest follows as it is.
const styledBytes = 8 << 10

// splitStyled cuts body into the part to style and the rest, at a blank
// line (between paragraphs or blocks) if there is one near the limit,
// else at a line end.
func splitStyled(body string) (head, rest string) {
	if len(body) <= styledBytes {
		return body, ""
	}
	cut := strings.LastIndex(body[:styledBytes], "\n\n")
	if cut < styledBytes/2 {
		cut = strings.LastIndexByte(body[:styledBytes], '\n')
	}
	if cut <= 0 {
		return "", body
	}
	return body[:cut], strings.TrimPrefix(body[cut:], "\n")
}

// trimRight drops a styled line's trailing blanks (wrapping leaves
// some, a list's or a quote's prefix on a blank line too): the line keeps its text and styles up to its last visible
// character, and ends with a reset.
func trimRight(line string) string {
	end := 0
	for i := 0; i < len(line); {
		if line[i] == 0x1b {
			i = skipSequence(line, i)
			continue
		}
		r, n := utf8.DecodeRuneInString(line[i:])
		i += n
		if r != ' ' && r != '\u00a0' {
			end = i
		}
	}
	if end == 0 {
		return ""
	}
	if strings.Contains(line[:end], "\x1b[") {
		return line[:end] + "\x1b[m"
	}
	return line[:end]
}

// highlight colours code as language; the text as it is when coop has
// no lexer for it or ctx ends first.
func (d *drawer) highlight(ctx context.Context, body, language string) string {
	out, _ := d.hl().Highlight(ctx, body, language, d.o.Dark)
	return keepSGR(out)
}

// keepSGR removes every escape sequence but colours and text attributes
// (CSI … m), and every control character but newlines: whatever a
// renderer does with its input, nothing else reaches the terminal.
func keepSGR(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0x1b && i+1 < len(s) && s[i+1] == '[':
			j := i + 2
			for j < len(s) && s[j] >= 0x30 && s[j] <= 0x3f {
				j++
			}
			if j < len(s) && s[j] == 'm' {
				b.WriteString(s[i : j+1])
				i = j + 1
				continue
			}
			i = skipSequence(s, i)
		case c == 0x1b:
			i = skipSequence(s, i)
		case c < 0x20 && c != '\n' || c == 0x7f:
			i++
		case c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] < 0xa0: // a C1 control
			i += 2
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// skipSequence returns where the escape sequence at s[i] ends: a CSI at
// its final byte, a string sequence (OSC, DCS…) at BEL or ST, another at
// the byte after ESC.
func skipSequence(s string, i int) int {
	if i+1 >= len(s) {
		return len(s)
	}
	switch s[i+1] {
	case '[':
		j := i + 2
		for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
			j++
		}
		return min(j+1, len(s))
	case ']', 'P', 'X', '^', '_':
		for j := i + 2; j < len(s); j++ {
			if s[j] == 0x07 {
				return j + 1
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return j + 2
			}
		}
		return len(s)
	}
	return i + 2
}
