// Package metadoc reads and writes .source-metadata.json documents as
// streams: a scanner that hands over each entry of "objects" as its raw
// bytes (checked to be JSON, never decoded unless asked), a writer that
// emits coop's strict form, and a merge of a sorted stream of entries
// with a plan's writes. Memory grows with the largest entry, never with
// the document, and entries pass through byte for byte.
package metadoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/coopterm/coop/backend"
)

// ErrSyntax is wrapped by every error about a document's text: it is not
// JSON, or not a metadata document.
var ErrSyntax = errors.New("not a metadata document")

const (
	readChunk = 1 << 20
	// MaxValue bounds one entry or one top-level field: a document with a
	// larger one is refused rather than held.
	MaxValue = 64 << 20
	maxDepth = 10000
)

// errMore says a value runs past the bytes read so far.
var errMore = errors.New("need more input")

// Entry is one entry of a document as scanned: its path, its raw JSON
// (valid only until the callback returns) and where it lies in the
// document, from the first byte of its key to the byte after its value.
type Entry struct {
	Path       string
	Raw        []byte
	Start, End int64
}

// Scanner reads one document from a reader.
type Scanner struct {
	r    io.Reader
	buf  []byte
	pos  int   // next byte to read in buf
	base int64 // document offset of buf[0]
	eof  bool
	err  error
}

// Scan reads the document from r, calling entry for each entry of its
// objects map in document order, and returns its top-level fields. An
// error from entry stops the scan and is returned as it is; errors about
// the text wrap ErrSyntax.
func Scan(r io.Reader, entry func(Entry) error) (backend.MetadataHead, error) {
	s := &Scanner{r: r, buf: make([]byte, 0, readChunk)}
	return s.document(entry)
}

func (s *Scanner) syntax(format string, a ...any) error {
	return fmt.Errorf("%w: %s at byte %d", ErrSyntax, fmt.Sprintf(format, a...), s.base+int64(s.pos))
}

// fill reads more input, keeping buf[s.pos:]. It returns false at the end.
func (s *Scanner) fill() bool {
	if s.eof {
		return false
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:])
		s.base += int64(s.pos)
		s.buf, s.pos = s.buf[:n], 0
	}
	if cap(s.buf)-len(s.buf) < cap(s.buf)/4 {
		if len(s.buf) >= MaxValue {
			s.err = s.syntax("a value longer than %d bytes", MaxValue)
			return false
		}
		nb := make([]byte, len(s.buf), 2*cap(s.buf))
		copy(nb, s.buf)
		s.buf = nb
	}
	n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
	s.buf = s.buf[:len(s.buf)+n]
	if err == io.EOF {
		s.eof = true
	} else if err != nil {
		s.err = err
		return false
	}
	return n > 0 || !s.eof
}

// skipSpace moves past white space; it returns false at the end.
func (s *Scanner) skipSpace() bool {
	for {
		for s.pos < len(s.buf) {
			switch s.buf[s.pos] {
			case ' ', '\t', '\n', '\r':
				s.pos++
			default:
				return true
			}
		}
		if !s.fill() {
			return false
		}
	}
}

// peek returns the next non-space byte without consuming it.
func (s *Scanner) peek() (byte, error) {
	if !s.skipSpace() {
		if s.err != nil {
			return 0, s.err
		}
		return 0, s.syntax("unexpected end of the document")
	}
	return s.buf[s.pos], nil
}

// expect consumes byte c after white space.
func (s *Scanner) expect(c byte) error {
	got, err := s.peek()
	if err != nil {
		return err
	}
	if got != c {
		return s.syntax("%q where %q was expected", got, c)
	}
	s.pos++
	return nil
}

// value reads one whole value after white space and returns its bytes
// (valid until the next read).
func (s *Scanner) value() ([]byte, error) {
	if _, err := s.peek(); err != nil {
		return nil, err
	}
	for {
		n, err := scanValue(s.buf[s.pos:], s.eof, 0)
		switch {
		case err == nil:
			v := s.buf[s.pos : s.pos+n]
			s.pos += n
			return v, nil
		case errors.Is(err, errMore):
			if !s.fill() {
				if s.err != nil {
					return nil, s.err
				}
				if s.eof {
					continue // scan again, knowing the input has ended
				}
			}
		default:
			return nil, s.syntax("%v", err)
		}
	}
}

// key reads an object key and the colon after it.
func (s *Scanner) key() (string, error) {
	c, err := s.peek()
	if err != nil {
		return "", err
	}
	if c != '"' {
		return "", s.syntax("%q where a key was expected", c)
	}
	raw, err := s.value()
	if err != nil {
		return "", err
	}
	k, err := decodeString(raw)
	if err != nil {
		return "", s.syntax("%v", err)
	}
	return k, s.expect(':')
}

// decodeString decodes a JSON string token scanValue accepted.
func decodeString(raw []byte) (string, error) {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1]), nil
	}
	var k string
	err := json.Unmarshal(raw, &k)
	return k, err
}

// document reads the top-level object.
func (s *Scanner) document(entry func(Entry) error) (backend.MetadataHead, error) {
	var head backend.MetadataHead
	if err := s.expect('{'); err != nil {
		return head, err
	}
	fields := map[string][]byte{}
	seenObjects := false
	for first := true; ; first = false {
		c, err := s.peek()
		if err != nil {
			return head, err
		}
		if c == '}' {
			s.pos++
			break
		}
		if !first {
			if err := s.expect(','); err != nil {
				return head, err
			}
		}
		k, err := s.key()
		if err != nil {
			return head, err
		}
		if k == "objects" {
			if seenObjects {
				return head, s.syntax("objects given twice")
			}
			seenObjects = true
			if err := s.objects(entry); err != nil {
				return head, err
			}
			continue
		}
		v, err := s.value()
		if err != nil {
			return head, err
		}
		fields[k] = bytes.Clone(v)
	}
	if s.skipSpace() {
		return head, s.syntax("text after the document")
	}
	if s.err != nil {
		return head, s.err
	}
	return DecodeHead(fields), nil
}

// DecodeHead reads the top-level fields other than objects, tolerantly:
// coop's own fields as far as they can be read, the rest kept in Extra.
func DecodeHead(fields map[string][]byte) backend.MetadataHead {
	var head backend.MetadataHead
	for k, v := range fields {
		switch k {
		case "repository_id":
			_ = json.Unmarshal(v, &head.RepositoryID)
		case "account_id":
			_ = json.Unmarshal(v, &head.AccountID)
		case "last_updated":
			head.LastUpdated, _ = backend.ParseTimeJSON(v)
		default:
			if head.Extra == nil {
				head.Extra = map[string]json.RawMessage{}
			}
			head.Extra[k] = v
		}
	}
	return head
}

// objects reads the objects map, entry by entry; null is no entries.
func (s *Scanner) objects(entry func(Entry) error) error {
	c, err := s.peek()
	if err != nil {
		return err
	}
	if c == 'n' {
		v, err := s.value()
		if err != nil {
			return err
		}
		if string(v) != "null" {
			return s.syntax("objects is not a JSON object")
		}
		return nil
	}
	if c != '{' {
		return s.syntax("objects is not a JSON object")
	}
	s.pos++
	for first := true; ; first = false {
		c, err := s.peek()
		if err != nil {
			return err
		}
		if c == '}' {
			s.pos++
			return nil
		}
		if !first {
			if err := s.expect(','); err != nil {
				return err
			}
			if _, err := s.peek(); err != nil {
				return err
			}
		}
		if err := s.pair(entry); err != nil {
			return err
		}
	}
}

// ScanEntries reads a run of entries cut out of a document's objects map
// ("key": value pairs, with the commas and white space between them), as
// an index reads one block; offsets are from the start of r.
func ScanEntries(r io.Reader, entry func(Entry) error) error {
	return (&Scanner{r: r, buf: make([]byte, 0, 64<<10)}).entries(entry)
}

// ScanEntriesWith is ScanEntries reading through buf, whose contents it
// overwrites (a value longer than a quarter of it grows a copy), for a
// caller that scans run after run: a fresh 64 KiB each time is fresh
// pages to fault in.
func ScanEntriesWith(r io.Reader, buf []byte, entry func(Entry) error) error {
	if cap(buf) < 4<<10 {
		buf = make([]byte, 0, 64<<10)
	}
	return (&Scanner{r: r, buf: buf[:0]}).entries(entry)
}

// ScanEntriesIn is ScanEntries over bytes already read.
func ScanEntriesIn(b []byte, entry func(Entry) error) error {
	return (&Scanner{buf: b, eof: true}).entries(entry)
}

func (s *Scanner) entries(entry func(Entry) error) error {
	for {
		if !s.skipSpace() {
			return s.err
		}
		if s.buf[s.pos] == ',' {
			s.pos++
			continue
		}
		if err := s.pair(entry); err != nil {
			return err
		}
	}
}

// pair reads one "key": value pair of the objects map and hands it to
// entry with its offsets.
func (s *Scanner) pair(entry func(Entry) error) error {
	start := s.base + int64(s.pos)
	k, err := s.key()
	if err != nil {
		return err
	}
	v, err := s.value()
	if err != nil {
		return err
	}
	return entry(Entry{Path: k, Raw: v, Start: start, End: s.base + int64(s.pos)})
}
