package highlight

import "github.com/alecthomas/chroma/v2"

// palette is the colours a style gives each kind of token, as "#RRGGBB".
// Each reaches a contrast of 4.5:1 against its theme's background (the
// background of coop's dark and light themes; TestPaletteContrast).
type palette struct {
	keyword, typ, constant, builtin, function string
	str, number, comment, preproc             string
	tag, attribute, heading, errs             string
}

var (
	darkPalette = palette{
		keyword: "#81A1C1", typ: "#8FBCBB", constant: "#D99A7F", builtin: "#88C0D0", function: "#88C0D0",
		str: "#A3BE8C", number: "#C29BBA", comment: "#9AA5B8", preproc: "#EBCB8B",
		tag: "#81A1C1", attribute: "#8FBCBB", heading: "#88C0D0", errs: "#F58A8C",
	}
	lightPalette = palette{
		keyword: "#0B4F8A", typ: "#006B6B", constant: "#A13D12", builtin: "#005F87", function: "#005F87",
		str: "#2B6B1F", number: "#7A3E9D", comment: "#565E70", preproc: "#8A5A00",
		tag: "#0B4F8A", attribute: "#7A4F00", heading: "#005F87", errs: "#B3261E",
	}
)

// colours lists a palette's colours, for the contrast test.
func (p palette) colours() []string {
	return []string{p.keyword, p.typ, p.constant, p.builtin, p.function, p.str, p.number,
		p.comment, p.preproc, p.tag, p.attribute, p.heading, p.errs}
}

// style builds the chroma style of a palette. Plain text and
// punctuation keep the terminal's own colour.
func (p palette) style() *chroma.Style {
	return chroma.MustNewStyle("coop", chroma.StyleEntries{
		chroma.Keyword:         "bold " + p.keyword,
		chroma.KeywordType:     "nobold " + p.typ,
		chroma.KeywordConstant: "nobold " + p.constant,
		chroma.NameBuiltin:     p.builtin,
		chroma.NameFunction:    p.function,
		chroma.NameDecorator:   p.preproc,
		chroma.NameTag:         p.tag,
		chroma.NameAttribute:   p.attribute,
		chroma.NameClass:       p.typ,
		chroma.NameNamespace:   "bold " + p.heading,
		chroma.NameLabel:       p.constant,
		chroma.NameVariable:    p.attribute,
		chroma.NameEntity:      p.constant,
		chroma.LiteralString:   p.str,
		chroma.LiteralDate:     p.number,
		chroma.LiteralNumber:   p.number,
		chroma.Comment:         "italic " + p.comment,
		chroma.CommentPreproc:  "noitalic " + p.preproc,
		chroma.GenericHeading:  "bold " + p.heading,
		chroma.GenericStrong:   "bold",
		chroma.GenericEmph:     "italic",
		chroma.Error:           p.errs,
	})
}
