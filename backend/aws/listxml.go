package aws

import (
	"bytes"
	"unicode/utf8"
)

// A reader of the plain XML S3 servers answer a listing with, in place
// of encoding/xml's token by token decoding, which was about a third of
// the CPU of a recursive delete of 10,000 objects (and of ls and
// downloads of many files). It takes elements with unprefixed ASCII
// names, attributes, text with the predefined and numeric character
// references, and a leading <?xml version="1.0" encoding="UTF-8"?>.
// Anything else — comments, CDATA, a DOCTYPE, prefixed or non-ASCII
// names, carriage returns, malformed or truncated XML — makes it give up
// (ok false), and the caller hands the answer to the SDK's decoder,
// which gives its own result or error: so a page reads the same either
// way (see listdecode.go and FuzzListObjectsV2Answer).

// span is a decoded text value: arena[lo:hi] once set.
type span struct {
	lo, hi int32
	set    bool
}

// xmlScan reads one document. Decoded text values go to arena.
type xmlScan struct {
	b     []byte
	i     int
	arena []byte
	names [][]byte // open elements while one is skipped
}

// token kinds.
const (
	tokBad   = iota // outside the plain subset, or not XML
	tokEOF          // end of input
	tokText         // text up to the next '<' (valid, references checked)
	tokStart        // a start tag; empty for <name/>
	tokEnd          // an end tag
)

type token struct {
	kind   int
	name   []byte // start and end tags
	empty  bool   // <name/>
	lo, hi int    // text, raw
	amp    bool   // text holding references
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

func isNameStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

func isNameByte(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '.' || c == '-'
}

// inCharRange is XML's Char production, as encoding/xml checks it.
func inCharRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func (s *xmlScan) skipSpace() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

// declaration reads a leading <?xml ...?> of one of the usual forms.
func (s *xmlScan) declaration() bool {
	for _, d := range [...]string{
		`<?xml version="1.0" encoding="UTF-8"?>`,
		`<?xml version="1.0" encoding="utf-8"?>`,
		`<?xml version="1.0"?>`,
	} {
		if bytes.HasPrefix(s.b[s.i:], []byte(d)) {
			s.i += len(d)
			return true
		}
	}
	return false
}

// root reads what comes before the document's root element, and its
// start tag: a tokEOF token if there is no element at all, which the
// SDK reads as an empty answer.
func (s *xmlScan) root() (token, bool) {
	s.skipSpace()
	if bytes.HasPrefix(s.b[s.i:], []byte("<?")) {
		if !s.declaration() {
			return token{}, false
		}
		s.skipSpace()
	}
	t := s.next()
	return t, t.kind == tokStart || t.kind == tokEOF
}

// next reads the next token.
func (s *xmlScan) next() token {
	b := s.b
	if s.i >= len(b) {
		return token{kind: tokEOF}
	}
	if b[s.i] != '<' {
		return s.text()
	}
	if s.i+1 >= len(b) {
		return token{}
	}
	if b[s.i+1] == '/' {
		j := s.i + 2
		name, j := s.name(j)
		if name == nil {
			return token{}
		}
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j >= len(b) || b[j] != '>' {
			return token{}
		}
		s.i = j + 1
		return token{kind: tokEnd, name: name}
	}
	name, j := s.name(s.i + 1)
	if name == nil {
		return token{}
	}
	for {
		k := j
		for k < len(b) && isSpace(b[k]) {
			k++
		}
		if k >= len(b) {
			return token{}
		}
		switch b[k] {
		case '>':
			s.i = k + 1
			return token{kind: tokStart, name: name}
		case '/':
			if k+1 >= len(b) || b[k+1] != '>' {
				return token{}
			}
			s.i = k + 2
			return token{kind: tokStart, name: name, empty: true}
		}
		if k == j {
			return token{} // an attribute right after a name or value
		}
		if j = attribute(b, k); j < 0 {
			return token{}
		}
	}
}

// name reads an element name at j; nil if there is none of the subset.
func (s *xmlScan) name(j int) ([]byte, int) {
	b := s.b
	if j >= len(b) || !isNameStart(b[j]) {
		return nil, j
	}
	k := j + 1
	for k < len(b) && isNameByte(b[k]) {
		k++
	}
	return b[j:k], k
}

// attribute reads name="value" (or 'value') at j, a value of printable
// ASCII without '<' or '&', and returns where it ends, or -1.
func attribute(b []byte, j int) int {
	if !isNameStart(b[j]) {
		return -1
	}
	j++
	for j < len(b) && (isNameByte(b[j]) || b[j] == ':') {
		j++
	}
	if j+1 >= len(b) || b[j] != '=' || b[j+1] != '"' && b[j+1] != '\'' {
		return -1
	}
	q := b[j+1]
	for j += 2; j < len(b); j++ {
		switch c := b[j]; {
		case c == q:
			return j + 1
		case c < 0x20 || c >= 0x7f || c == '<' || c == '&':
			return -1
		}
	}
	return -1
}

// text reads the text at s.i, up to the next '<' or the end, checking
// every character and reference as encoding/xml does.
func (s *xmlScan) text() token {
	b := s.b
	t := token{kind: tokText, lo: s.i}
	j := s.i
	for j < len(b) {
		c := b[j]
		switch {
		case c == '<':
			t.hi, s.i = j, j
			return t
		case c == '&':
			_, n := reference(b[j:])
			if n == 0 {
				return token{}
			}
			t.amp = true
			j += n
		case c == '>':
			if j-2 >= t.lo && b[j-1] == ']' && b[j-2] == ']' {
				return token{} // "]]>" outside CDATA
			}
			j++
		case c < 0x20:
			if c != '\t' && c != '\n' {
				return token{} // a control character, or '\r' (rewritten by XML)
			}
			j++
		case c < utf8.RuneSelf:
			j++
		default:
			r, n := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && n == 1 || !inCharRange(r) {
				return token{}
			}
			j += n
		}
	}
	t.hi, s.i = j, j
	return t
}

// reference decodes the character reference at the start of b (which
// is '&'): the rune and its length, 0 if it is not one XML predefines or
// a valid numeric one.
func reference(b []byte) (rune, int) {
	for _, e := range [...]struct {
		s string
		r rune
	}{{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&apos;", '\''}, {"&quot;", '"'}} {
		if bytes.HasPrefix(b, []byte(e.s)) {
			return e.r, len(e.s)
		}
	}
	if len(b) < 3 || b[1] != '#' {
		return 0, 0
	}
	j, base := 2, rune(10)
	if b[2] == 'x' {
		j, base = 3, 16
	}
	start := j
	var n rune
	for ; j < len(b); j++ {
		var d rune
		switch c := b[j]; {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		case c == ';' && j > start:
			if n >= 0xD800 && n <= 0xDFFF {
				n = utf8.RuneError // as string(rune(n)) makes it
			}
			if !inCharRange(n) {
				return 0, 0
			}
			return n, j + 1
		default:
			return 0, 0
		}
		if n = n*base + d; n > utf8.MaxRune {
			return 0, 0
		}
	}
	return 0, 0
}

// decode appends text t's value to the arena.
func (s *xmlScan) decode(t token) span {
	lo := int32(len(s.arena))
	raw := s.b[t.lo:t.hi]
	if !t.amp {
		s.arena = append(s.arena, raw...)
		return span{lo: lo, hi: int32(len(s.arena)), set: true}
	}
	for len(raw) > 0 {
		k := bytes.IndexByte(raw, '&')
		if k < 0 {
			s.arena = append(s.arena, raw...)
			break
		}
		s.arena = append(s.arena, raw[:k]...)
		r, n := reference(raw[k:])
		s.arena = utf8.AppendRune(s.arena, r)
		raw = raw[k+n:]
	}
	return span{lo: lo, hi: int32(len(s.arena)), set: true}
}

// children calls fn with each child element of the element name just
// opened (none if it was <name/>), passing over the text between them,
// up to its end tag.
func (s *xmlScan) children(name []byte, empty bool, fn func(child []byte, empty bool) bool) bool {
	for !empty {
		t := s.next()
		switch t.kind {
		case tokText:
		case tokStart:
			if !fn(t.name, t.empty) {
				return false
			}
		case tokEnd:
			return bytes.Equal(t.name, name)
		default:
			return false
		}
	}
	return true
}

// value reads the text of the element name just opened, up to its end
// tag: "" for an empty one; not ok if the element holds elements.
func (s *xmlScan) value(name []byte, empty bool) (span, bool) {
	at := int32(len(s.arena))
	if empty {
		return span{lo: at, hi: at, set: true}, true
	}
	t := s.next()
	v := span{lo: at, hi: at, set: true}
	if t.kind == tokText {
		v = s.decode(t)
		t = s.next()
	}
	return v, t.kind == tokEnd && bytes.Equal(t.name, name)
}

// skip passes over the element name just opened and all it holds.
func (s *xmlScan) skip(name []byte, empty bool) bool {
	if empty {
		return true
	}
	s.names = append(s.names[:0], name)
	for len(s.names) > 0 {
		switch t := s.next(); t.kind {
		case tokText:
		case tokStart:
			if !t.empty {
				s.names = append(s.names, t.name)
			}
		case tokEnd:
			if !bytes.Equal(t.name, s.names[len(s.names)-1]) {
				return false
			}
			s.names = s.names[:len(s.names)-1]
		default:
			return false
		}
	}
	return true
}
