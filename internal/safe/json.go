package safe

import (
	"fmt"
	"io"
	"unicode/utf8"
)

// JSONWriter returns a writer for JSON text (such as a json.Encoder's
// output) that escapes, as \uXXXX, what encoding/json leaves raw but a
// terminal would act on or hide: DEL, the C1 controls (U+0080–U+009F,
// U+009B alone is a CSI), and the line separators and bidirectional
// overrides that Text shows escaped. These can only occur inside JSON
// strings, so the document means the same. Each Write must hold whole
// runes, as each Encode call's does.
func JSONWriter(w io.Writer) io.Writer { return jsonWriter{w} }

type jsonWriter struct{ w io.Writer }

func (j jsonWriter) Write(p []byte) (int, error) {
	if !needsJSONEscape(p) {
		return j.w.Write(p)
	}
	out := make([]byte, 0, len(p)+16)
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRune(p[i:])
		if r == 0x7f || (size > 1 && invisible(r)) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, p[i:i+size]...)
		}
		i += size
	}
	if _, err := j.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// needsJSONEscape reports whether p holds anything JSONWriter rewrites.
func needsJSONEscape(p []byte) bool {
	for i := 0; i < len(p); i++ {
		if p[i] == 0x7f || p[i] >= 0x80 {
			return true
		}
	}
	return false
}
