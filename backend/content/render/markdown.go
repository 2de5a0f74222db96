package render

import (
	"context"
	"fmt"
	"strings"

	"github.com/alecthomas/chroma/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/coopterm/coop/backend/content"
)

// mdMargin is the left margin of rendered Markdown.
const mdMargin = "  "

// markdown renders Markdown for the terminal: goldmark's CommonMark
// parser (without its extensions, whose start costs more than the rest
// of the renderer), drawn here as styled lines wrapped at the width, code
// blocks highlighted, tables aligned. The text as it is if ctx ends
// first.
func (d *drawer) markdown(ctx context.Context, body string) string {
	src := []byte(body)
	p := parser.NewParser(
		parser.WithBlockParsers(parser.DefaultBlockParsers()...),
		parser.WithInlineParsers(parser.DefaultInlineParsers()...),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
	)
	doc := p.Parse(text.NewReader(src))
	m := &mdWriter{ctx: ctx, src: src, d: d, width: d.o.Width - 2}
	m.blocks(doc, mdMargin, mdMargin, false)
	if ctx.Err() != nil {
		return body
	}
	lines := balance(strings.Split(keepSGR(strings.Join(m.lines, "\n")), "\n"))
	for i, l := range lines {
		lines[i] = trimRight(l)
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

// mdWriter collects the lines of a Markdown document.
type mdWriter struct {
	ctx   context.Context
	src   []byte
	d     *drawer
	width int
	lines []string
}

func (m *mdWriter) sgr(t chroma.TokenType) string { return m.d.hl().SGR(t, m.d.o.Dark) }

// styled wraps s in the style of a kind of token.
func (m *mdWriter) styled(t chroma.TokenType, s string) string {
	if seq := m.sgr(t); seq != "" && s != "" {
		return seq + s + "\x1b[m"
	}
	return s
}

// blocks draws n's children one after another, the first line with the
// prefix first and the others with rest, a blank line between blocks
// unless tight.
func (m *mdWriter) blocks(n ast.Node, first, rest string, tight bool) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if m.ctx.Err() != nil {
			return
		}
		if c != n.FirstChild() {
			if !tight {
				m.lines = append(m.lines, strings.TrimRight(rest, " "))
			}
			first = rest
		}
		m.block(c, first, rest)
	}
}

// block draws one block.
func (m *mdWriter) block(n ast.Node, first, rest string) {
	switch n := n.(type) {
	case *ast.Heading:
		seq := m.sgr(chroma.GenericHeading)
		if n.Level == 1 {
			seq = strings.Replace(seq, "\x1b[", "\x1b[4;", 1)
		}
		m.wrap(seq+m.inlines(n, seq)+"\x1b[m", first, rest)
	case *ast.Paragraph:
		if m.table(n, first, rest) {
			return
		}
		m.wrap(m.inlines(n, ""), first, rest)
	case *ast.TextBlock:
		m.wrap(m.inlines(n, ""), first, rest)
	case *ast.ThematicBreak:
		m.lines = append(m.lines, first+m.styled(chroma.Comment, strings.Repeat("─", max(3, m.width-ansi.StringWidth(first)))))
	case *ast.FencedCodeBlock:
		m.code(n, string(n.Language(m.src)), first, rest)
	case *ast.CodeBlock:
		m.code(n, "", first, rest)
	case *ast.HTMLBlock:
		m.code(n, "HTML", first, rest)
	case *ast.Blockquote:
		bar := m.styled(chroma.Comment, "│") + " "
		m.blocks(n, first+bar, rest+bar, false)
	case *ast.List:
		m.list(n, first, rest)
	default:
		m.blocks(n, first, rest, false)
	}
}

// list draws a list's items with their bullets or numbers, nested lists
// further in.
func (m *mdWriter) list(n *ast.List, first, rest string) {
	depth := 0
	for p := n.Parent(); p != nil; p = p.Parent() {
		if _, ok := p.(*ast.List); ok {
			depth++
		}
	}
	bullets := []string{"•", "◦", "▪"}
	i := n.Start
	for item := n.FirstChild(); item != nil; item = item.NextSibling() {
		if m.ctx.Err() != nil {
			return
		}
		if item != n.FirstChild() {
			if !n.IsTight {
				m.lines = append(m.lines, strings.TrimRight(rest, " "))
			}
			first = rest
		}
		marker := bullets[depth%len(bullets)]
		if n.IsOrdered() {
			marker = fmt.Sprintf("%d%c", i, n.Marker)
			i++
		}
		pad := strings.Repeat(" ", ansi.StringWidth(marker)+1)
		m.blocks(item, first+m.styled(chroma.Keyword, marker)+" ", rest+pad, n.IsTight)
	}
}

// code draws a code block, highlighted when coop knows its language.
func (m *mdWriter) code(n ast.Node, language, first, rest string) {
	var b strings.Builder
	segs := n.Lines()
	for i := 0; i < segs.Len(); i++ {
		seg := segs.At(i)
		b.Write(seg.Value(m.src))
	}
	body := strings.TrimRight(b.String(), "\n")
	out, ok := m.d.hl().Highlight(m.ctx, body, language, m.d.o.Dark)
	if !ok {
		lines := strings.Split(body, "\n")
		for i, l := range lines {
			lines[i] = m.styled(chroma.LiteralString, safeInline(l))
		}
		out = strings.Join(lines, "\n")
	}
	for i, line := range strings.Split(out, "\n") {
		if i > 0 {
			first = rest
		}
		m.lines = append(m.lines, first+"  "+line)
	}
}

// wrap adds styled text wrapped to the width left after the prefixes.
func (m *mdWriter) wrap(s, first, rest string) {
	w := max(m.width-ansi.StringWidth(rest), 10)
	for i, line := range strings.Split(ansi.Wrap(s, w, ""), "\n") {
		if i > 0 {
			first = rest
		}
		m.lines = append(m.lines, first+strings.TrimLeft(line, " "))
	}
}

// inlines is the styled text of a block's inline content; outer is the
// block's own style, restored after each styled run within it.
func (m *mdWriter) inlines(n ast.Node, outer string) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		m.inline(&b, c, outer)
	}
	return b.String()
}

// inline writes one inline node: text made safe, in its style.
func (m *mdWriter) inline(b *strings.Builder, n ast.Node, outer string) {
	run := func(seq, s string) {
		if seq == "" || s == "" {
			b.WriteString(s)
			return
		}
		b.WriteString(seq + s + "\x1b[m" + outer)
	}
	switch n := n.(type) {
	case *ast.Text:
		v := n.Segment.Value(m.src)
		if !n.IsRaw() {
			v = unescape(v)
		}
		b.WriteString(safeInline(string(v)))
		switch {
		case n.HardLineBreak():
			b.WriteString("\n")
		case n.SoftLineBreak():
			b.WriteString(" ")
		}
	case *ast.String:
		b.WriteString(safeInline(string(n.Value)))
	case *ast.CodeSpan:
		run(m.sgr(chroma.LiteralString), safeInline(string(plainText(n, m.src))))
	case *ast.Emphasis:
		seq := "\x1b[3m"
		if n.Level > 1 {
			seq = "\x1b[1m"
		}
		run(seq, m.inlines(n, outer+seq))
	case *ast.Link:
		run(m.linkSGR(), m.inlines(n, outer+m.linkSGR()))
		if dest := safeInline(string(n.Destination)); dest != "" && dest != string(plainText(n, m.src)) {
			b.WriteString(" ")
			run(m.sgr(chroma.Comment), "("+dest+")")
		}
	case *ast.AutoLink:
		run(m.linkSGR(), safeInline(string(n.URL(m.src))))
	case *ast.Image:
		run(m.sgr(chroma.Comment), "[image: "+safeInline(string(plainText(n, m.src)))+"]")
		b.WriteString(" ")
		run(m.sgr(chroma.Comment), "("+safeInline(string(n.Destination))+")")
	case *ast.RawHTML:
		var raw strings.Builder
		for i := 0; i < n.Segments.Len(); i++ {
			seg := n.Segments.At(i)
			raw.Write(seg.Value(m.src))
		}
		run(m.sgr(chroma.Comment), safeInline(raw.String()))
	default:
		b.WriteString(m.inlines(n, outer))
	}
}

// linkSGR styles a link's text: underlined, in the colour of names.
func (m *mdWriter) linkSGR() string {
	return strings.Replace(m.sgr(chroma.NameTag), "\x1b[", "\x1b[4;", 1)
}

// plainText is the text of an inline node's children, without styles.
func plainText(n ast.Node, src []byte) []byte {
	var out []byte
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			out = append(out, c.Segment.Value(src)...)
		case *ast.String:
			out = append(out, c.Value...)
		default:
			out = append(out, plainText(c, src)...)
		}
	}
	return out
}

// unescape resolves what Markdown escapes in text: backslashes before
// punctuation and character references (&amp;, &#27;). What a reference
// makes is shown escaped by safeInline like any other control character.
func unescape(v []byte) []byte {
	return util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v)))
}

// safeInline shows control, invisible and direction-changing characters
// escaped (\x1b, \u202e), as the preview shows them in plain text;
// newlines become spaces.
func safeInline(s string) string {
	if !strings.ContainsFunc(s, needsEscape) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteByte(' ')
		case needsEscape(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case needsEscape(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return r < 0x20 || r == 0x7f || content.Hidden(r)
}

// balance makes each line carry its own styles: a style still open at
// a line's end is closed there and opened again at the next line's
// start, so that no line's colour runs into what the screen draws beside
// it.
func balance(lines []string) []string {
	open := ""
	for i, l := range lines {
		l = open + l
		for j := 0; j < len(l); {
			if l[j] != 0x1b {
				j++
				continue
			}
			k := skipSequence(l, j)
			seq := l[j:k]
			if seq == "\x1b[m" || seq == "\x1b[0m" {
				open = ""
			} else if strings.HasSuffix(seq, "m") {
				open += seq
			}
			j = k
		}
		if open != "" {
			l += "\x1b[m"
		}
		lines[i] = l
	}
	return lines
}
