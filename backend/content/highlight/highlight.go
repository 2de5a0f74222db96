package highlight

import (
	"context"
	"fmt"
	"strings"

	"github.com/alecthomas/chroma/v2"
)

// Highlighter colours code. Its lexers are built when a language is
// first asked for and kept for the Highlighter's life; a Highlighter is
// for one goroutine at a time (each preview draws with its own).
type Highlighter struct {
	lexers map[string]chroma.Lexer
	styles [2]*chroma.Style // light, dark
}

// New returns a Highlighter with nothing built yet.
func New() *Highlighter {
	return &Highlighter{lexers: map[string]chroma.Lexer{}}
}

// lexer returns the lexer of a language (by name or alias), building it
// on first use; nil if coop has none.
func (h *Highlighter) lexer(name string) chroma.Lexer {
	l := lookup(name)
	if l == nil {
		return nil
	}
	if lx, ok := h.lexers[l.name]; ok {
		return lx
	}
	lx, err := chroma.NewLexer(&chroma.Config{Name: l.name, CaseInsensitive: l.caseless, EnsureNL: true}, l.rules)
	if err != nil {
		return nil
	}
	c := chroma.Coalesce(lx)
	h.lexers[l.name] = c
	return c
}

// style returns the light or dark style, built on first use.
func (h *Highlighter) style(dark bool) *chroma.Style {
	i := 0
	if dark {
		i = 1
	}
	if h.styles[i] == nil {
		p := lightPalette
		if dark {
			p = darkPalette
		}
		h.styles[i] = p.style()
	}
	return h.styles[i]
}

// SGR is the sequence the light or dark style gives a kind of token,
// "" for none: Markdown's headings, links and quotes are coloured as code
// is.
func (h *Highlighter) SGR(t chroma.TokenType, dark bool) string {
	return sgr(h.style(dark).Get(t))
}

// checkEvery bounds the tokens formatted between checks of ctx.
const checkEvery = 512

// Highlight colours body as code of the language named: each line of
// the result has the same text as body's, with SGR sequences around its
// tokens that never run past the line's end. ok is false, and body is
// returned as it is, when coop has no lexer for the language, the lexer
// fails or ctx ends first.
func (h *Highlighter) Highlight(ctx context.Context, body, language string, dark bool) (out string, ok bool) {
	lx := h.lexer(language)
	if lx == nil {
		return body, false
	}
	it, err := lx.Tokenise(nil, body)
	if err != nil {
		return body, false
	}
	style := h.style(dark)
	var b strings.Builder
	b.Grow(len(body) * 2)
	n := 0
	for tok := it(); tok != chroma.EOF; tok = it() {
		if n++; n%checkEvery == 0 && ctx.Err() != nil {
			return body, false
		}
		writeToken(&b, sgr(style.Get(tok.Type)), tok.Value)
	}
	out = b.String()
	// chroma ends the text with a newline it adds (EnsureNL).
	if !strings.HasSuffix(body, "\n") {
		out = strings.TrimSuffix(out, "\n")
	}
	return out, true
}

// writeToken writes a token's text, each line of it wrapped in its SGR
// sequence and a reset, so that a colour never crosses a line's end.
func writeToken(b *strings.Builder, seq, value string) {
	for i, line := range strings.Split(value, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		if line == "" {
			continue
		}
		if seq == "" || strings.TrimSpace(line) == "" {
			b.WriteString(line)
			continue
		}
		b.WriteString(seq)
		b.WriteString(line)
		b.WriteString("\x1b[m")
	}
}

// sgr is the select-graphic-rendition sequence of a style entry: its
// colour as 24-bit RGB, bold, italic, underline; "" for none.
func sgr(e chroma.StyleEntry) string {
	var parts []string
	if e.Bold == chroma.Yes {
		parts = append(parts, "1")
	}
	if e.Italic == chroma.Yes {
		parts = append(parts, "3")
	}
	if e.Underline == chroma.Yes {
		parts = append(parts, "4")
	}
	if e.Colour.IsSet() {
		parts = append(parts, fmt.Sprintf("38;2;%d;%d;%d", e.Colour.Red(), e.Colour.Green(), e.Colour.Blue()))
	}
	if len(parts) == 0 {
		return ""
	}
	return "\x1b[" + strings.Join(parts, ";") + "m"
}
