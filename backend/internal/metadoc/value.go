package metadoc

import (
	"errors"
	"fmt"
)

// scanValue checks that b starts with one whole JSON value and returns
// its length. It returns errMore when b ends inside the value (or, for a
// number, right after it) and more input may follow (!eof). It checks
// the grammar as encoding/json does, without decoding anything.
func scanValue(b []byte, eof bool, depth int) (int, error) {
	if depth > maxDepth {
		return 0, errors.New("values nested too deeply")
	}
	i := skipWS(b, 0)
	if i == len(b) {
		return 0, more(eof)
	}
	switch c := b[i]; {
	case c == '{':
		return scanObject(b, i, eof, depth)
	case c == '[':
		return scanArray(b, i, eof, depth)
	case c == '"':
		return scanString(b, i, eof)
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(b, i, eof)
	case c == 't':
		return scanLiteral(b, i, "true", eof)
	case c == 'f':
		return scanLiteral(b, i, "false", eof)
	case c == 'n':
		return scanLiteral(b, i, "null", eof)
	default:
		return 0, fmt.Errorf("invalid character %q looking for a value", c)
	}
}

func more(eof bool) error {
	if eof {
		return errors.New("unexpected end of the document")
	}
	return errMore
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

func scanObject(b []byte, i int, eof bool, depth int) (int, error) {
	i = skipWS(b, i+1)
	if i == len(b) {
		return 0, more(eof)
	}
	if b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i == len(b) {
			return 0, more(eof)
		}
		if b[i] != '"' {
			return 0, fmt.Errorf("invalid character %q looking for a key", b[i])
		}
		n, err := scanString(b, i, eof)
		if err != nil {
			return 0, err
		}
		i = skipWS(b, n)
		if i == len(b) {
			return 0, more(eof)
		}
		if b[i] != ':' {
			return 0, fmt.Errorf("invalid character %q after a key", b[i])
		}
		n, err = scanValue(b[i+1:], eof, depth+1)
		if err != nil {
			return 0, err
		}
		i = skipWS(b, i+1+n)
		if i == len(b) {
			return 0, more(eof)
		}
		switch b[i] {
		case '}':
			return i + 1, nil
		case ',':
			i = skipWS(b, i+1)
		default:
			return 0, fmt.Errorf("invalid character %q after an object value", b[i])
		}
	}
}

func scanArray(b []byte, i int, eof bool, depth int) (int, error) {
	i = skipWS(b, i+1)
	if i == len(b) {
		return 0, more(eof)
	}
	if b[i] == ']' {
		return i + 1, nil
	}
	for {
		n, err := scanValue(b[i:], eof, depth+1)
		if err != nil {
			return 0, err
		}
		i = skipWS(b, i+n)
		if i == len(b) {
			return 0, more(eof)
		}
		switch b[i] {
		case ']':
			return i + 1, nil
		case ',':
			i++
		default:
			return 0, fmt.Errorf("invalid character %q after an array element", b[i])
		}
	}
}

// scanString checks the string starting at b[i] and returns the index
// after its closing quote.
func scanString(b []byte, i int, eof bool) (int, error) {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, nil
		case c < 0x20:
			return 0, fmt.Errorf("invalid character %q in a string", c)
		case c == '\\':
			if i+1 >= len(b) {
				return 0, more(eof)
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if i+5 >= len(b) {
					return 0, more(eof)
				}
				for _, h := range b[i+2 : i+6] {
					if !isHex(h) {
						return 0, fmt.Errorf("invalid character %q in a \\u escape", h)
					}
				}
				i += 5
			default:
				return 0, fmt.Errorf("invalid escape \\%c in a string", b[i+1])
			}
		}
	}
	return 0, more(eof)
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// errBadNumber is made once, not for each number scanned (every entry
// has some: a document's scan made one error each).
var errBadNumber = errors.New("invalid number")

// scanNumber checks the number starting at b[i]. A number that reaches
// the end of b may go on in the next input.
func scanNumber(b []byte, i int, eof bool) (int, error) {
	digits := func(j int) int {
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j
	}
	bad := errBadNumber
	if b[i] == '-' {
		i++
	}
	switch {
	case i == len(b):
		return 0, more(eof)
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		i = digits(i)
	default:
		return 0, bad
	}
	if i < len(b) && b[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			if j == len(b) {
				return 0, more(eof)
			}
			return 0, bad
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			if j == len(b) {
				return 0, more(eof)
			}
			return 0, bad
		}
		i = j
	}
	if i == len(b) && !eof {
		return 0, errMore
	}
	return i, nil
}

func scanLiteral(b []byte, i int, lit string, eof bool) (int, error) {
	for k := 0; k < len(lit); k++ {
		if i+k == len(b) {
			return 0, more(eof)
		}
		if b[i+k] != lit[k] {
			return 0, fmt.Errorf("invalid literal, want %s", lit)
		}
	}
	return i + len(lit), nil
}
