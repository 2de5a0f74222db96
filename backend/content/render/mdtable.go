package render

import (
	"strings"

	"github.com/alecthomas/chroma/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/yuin/goldmark/ast"
)

// table draws a paragraph that is a GitHub-style table (a header row, a
// delimiter row of dashes, then rows, cells between pipes) as aligned
// columns, and reports whether it was one. CommonMark has no tables and
// goldmark's extension for them costs more to start than the rest of the
// renderer, so coop reads them from the paragraph's lines.
func (m *mdWriter) table(n *ast.Paragraph, first, rest string) bool {
	segs := n.Lines()
	if segs.Len() < 2 {
		return false
	}
	rows := make([][]string, 0, segs.Len())
	for i := 0; i < segs.Len(); i++ {
		seg := segs.At(i)
		rows = append(rows, cells(string(seg.Value(m.src))))
	}
	head := segs.At(0)
	if !strings.Contains(string(head.Value(m.src)), "|") || !isDelimiterRow(rows[1]) || len(rows[0]) != len(rows[1]) {
		return false
	}
	cols := len(rows[0])
	rows = append(rows[:1], rows[2:]...)
	widths := make([]int, cols)
	for _, r := range rows {
		for c := range min(len(r), cols) {
			r[c] = safeInline(string(unescape([]byte(r[c]))))
			widths[c] = max(widths[c], ansi.StringWidth(r[c]))
		}
	}
	// Narrow the widest columns until the table fits.
	avail := max(m.width-ansi.StringWidth(rest)-3*(cols-1), cols)
	for sum(widths) > avail {
		w := 0
		for c := range widths {
			if widths[c] > widths[w] {
				w = c
			}
		}
		if widths[w] <= 1 {
			break
		}
		widths[w]--
	}
	sep := " " + m.styled(chroma.Comment, "│") + " "
	for i, r := range rows {
		var b strings.Builder
		for c := range cols {
			if c > 0 {
				b.WriteString(sep)
			}
			cell := ""
			if c < len(r) {
				cell = ansi.Truncate(r[c], widths[c], "…")
			}
			pad := strings.Repeat(" ", widths[c]-ansi.StringWidth(cell))
			if i == 0 {
				cell = m.styled(chroma.GenericStrong, cell)
			}
			b.WriteString(cell + pad)
		}
		if i > 0 {
			first = rest
		}
		m.lines = append(m.lines, first+b.String())
		if i == 0 {
			parts := make([]string, cols)
			for c := range cols {
				parts[c] = strings.Repeat("─", widths[c])
			}
			m.lines = append(m.lines, rest+m.styled(chroma.Comment, strings.Join(parts, "─┼─")))
		}
	}
	return true
}

// cells splits a table row at its pipes (not at escaped ones), without
// the empty cells outside a leading and a trailing pipe.
func cells(line string) []string {
	line = strings.TrimSpace(line)
	var out []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case line[i] == '|':
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	out = append(out, strings.TrimSpace(cur.String()))
	if strings.HasPrefix(line, "|") {
		out = out[1:]
	}
	if len(out) > 1 && strings.HasSuffix(line, "|") && !strings.HasSuffix(line, `\|`) {
		out = out[:len(out)-1]
	}
	return out
}

// isDelimiterRow reports whether a row's cells are all dashes, with an
// alignment colon at either end.
func isDelimiterRow(row []string) bool {
	for _, c := range row {
		c = strings.TrimSuffix(strings.TrimPrefix(c, ":"), ":")
		if c == "" || strings.Trim(c, "-") != "" {
			return false
		}
	}
	return len(row) > 0
}

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}
