package backend

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coopterm/coop/internal/jsonstr"
)

// Metadata documents are shared with other tools: coop reads what they
// write tolerantly and writes strictly (RFC 3339 UTC times, every field
// of the schema), keeping whatever it does not know. One odd entry never
// fails a document: it is read as far as it can be, marked with Problem,
// and written back exactly as it was unless coop replaces it.

// Field names of a metadata document.
const (
	fieldRepositoryID = "repository_id"
	fieldAccountID    = "account_id"
	fieldLastUpdated  = "last_updated"
	fieldObjects      = "objects"
)

// DecodeObjectMeta reads one entry as other tools write it. It fails
// only when raw is not JSON at all; anything else it cannot read is
// reported in m.Problem, with m.Raw keeping raw.
func DecodeObjectMeta(raw []byte) (ObjectMeta, error) {
	var m ObjectMeta
	if err := m.decodeFields(raw); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return ObjectMeta{}, fmt.Errorf("%w: entry is not valid JSON", ErrInvalid)
		}
	}
	return m, nil
}

// UnmarshalJSON reads an entry tolerantly (see DecodeObjectMeta).
func (m *ObjectMeta) UnmarshalJSON(raw []byte) error {
	*m = ObjectMeta{}
	m.decode(raw)
	return nil
}

// decode fills m from raw, which is valid JSON.
func (m *ObjectMeta) decode(raw []byte) { _ = m.decodeFields(raw) }

// decodeFields fills m from raw, and returns json.Unmarshal's error when
// raw is not a JSON object (a *json.SyntaxError when it is not JSON at
// all: json.Unmarshal checks the whole text before it decodes any).
func (m *ObjectMeta) decodeFields(raw []byte) error {
	*m = ObjectMeta{}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		m.Problem, m.Raw = "the entry is not a JSON object", bytes.Clone(raw)
		return err
	}
	var problems []string
	bad := func(field string, err error) {
		if err != nil {
			problems = append(problems, field+": "+strings.TrimPrefix(err.Error(), ErrInvalid.Error()+" "))
		}
	}
	for k, v := range fields {
		switch k {
		case "id":
			m.ID, _ = stringField(v, k, bad)
		case "type":
			var s string
			s, _ = stringField(v, k, bad)
			m.Type = EntryType(s)
		case "size":
			var err error
			m.Size, err = sizeField(v)
			bad(k, err)
		case "mime_type":
			m.MimeType, _ = stringField(v, k, bad)
		case "created_at":
			var err error
			m.CreatedAt, err = ParseTimeJSON(v)
			bad(k, err)
		case "updated_at":
			var err error
			m.UpdatedAt, err = ParseTimeJSON(v)
			bad(k, err)
		case "checksum":
			m.Checksum, _ = stringField(v, k, bad)
		case "crc32c":
			m.CRC32C, _ = stringField(v, k, bad)
		case "metadata":
			var err error
			m.Metadata, err = metadataField(v)
			bad(k, err)
		default:
			if m.Extra == nil {
				m.Extra = map[string]json.RawMessage{}
			}
			m.Extra[k] = bytes.Clone(v)
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		m.Problem, m.Raw = strings.Join(problems, "; "), bytes.Clone(raw)
	}
	return nil
}

// stringField reads a JSON string; null is "".
func stringField(v json.RawMessage, field string, bad func(string, error)) (string, bool) {
	if s, ok := plainJSONString(v); ok {
		return s, true
	}
	if isNull(v) {
		return "", true
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		bad(field, fmt.Errorf("not a string: %s", truncateForError(string(v))))
		return "", false
	}
	return s, true
}

// sizeField reads a size: a whole number of bytes, written as a number
// (1e3 and 1000.0 included) or a string of digits; null is 0.
func sizeField(v json.RawMessage) (int64, error) {
	s := strings.TrimSpace(string(v))
	if s == "null" {
		return 0, nil
	}
	if strings.HasPrefix(s, `"`) {
		if json.Unmarshal(v, &s) != nil {
			return 0, fmt.Errorf("not a number: %s", truncateForError(string(v)))
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("negative: %s", s)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < 0 || f > math.MaxInt64/2 {
		return 0, fmt.Errorf("not a whole number of bytes: %s", truncateForError(string(v)))
	}
	return int64(f), nil
}

// metadataField reads custom metadata: an object (numbers kept as
// json.Number, so that none loses a digit), or null.
func metadataField(v json.RawMessage) (map[string]any, error) {
	if string(v) == "{}" { // as coop writes none: no decoder needed
		return map[string]any{}, nil
	}
	if isNull(v) {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("not an object: %s", truncateForError(string(v)))
	}
	return out, nil
}

// plainJSONString reads a JSON string that holds no escape, control
// character or invalid UTF-8, as nearly every string of an entry is,
// without json.Unmarshal's reflection; ok is false for any other value
// (the caller then decodes it as before).
func plainJSONString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	in := v[1 : len(v)-1]
	ascii := true
	for _, c := range in {
		switch {
		case c < 0x20 || c == '"' || c == '\\':
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(in) {
		return "", false // json.Unmarshal would replace the bad bytes
	}
	return string(in), true
}

func isNull(v []byte) bool { return string(bytes.TrimSpace(v)) == "null" }

// MarshalJSON writes the entry as coop writes every entry: the schema's
// fields in order (times RFC 3339 UTC, crc32c only when set), then the
// fields it does not know. An entry with a Problem is written back as it
// was read (Raw).
func (m ObjectMeta) MarshalJSON() ([]byte, error) {
	return m.AppendJSON(nil)
}

// AppendJSON appends the entry's encoding (see MarshalJSON) to buf.
func (m ObjectMeta) AppendJSON(buf []byte) ([]byte, error) {
	if m.Problem != "" && len(m.Raw) > 0 {
		return append(buf, m.Raw...), nil
	}
	buf = append(buf, `{"id":`...)
	buf = jsonstr.Append(buf, m.ID)
	buf = append(buf, `,"type":`...)
	buf = jsonstr.Append(buf, string(m.Type))
	buf = append(buf, `,"size":`...)
	buf = strconv.AppendInt(buf, m.Size, 10)
	buf = append(buf, `,"mime_type":`...)
	buf = jsonstr.Append(buf, m.MimeType)
	buf = append(buf, `,"created_at":`...)
	buf = jsonstr.Append(buf, FormatTime(m.CreatedAt))
	buf = append(buf, `,"updated_at":`...)
	buf = jsonstr.Append(buf, FormatTime(m.UpdatedAt))
	buf = append(buf, `,"checksum":`...)
	buf = jsonstr.Append(buf, m.Checksum)
	if m.CRC32C != "" {
		buf = append(buf, `,"crc32c":`...)
		buf = jsonstr.Append(buf, m.CRC32C)
	}
	buf = append(buf, `,"metadata":`...)
	if len(m.Metadata) == 0 {
		buf = append(buf, "{}"...)
	} else {
		b, err := json.Marshal(m.Metadata)
		if err != nil {
			return nil, fmt.Errorf("encode metadata: %w", err)
		}
		buf = append(buf, b...)
	}
	buf, err := appendExtra(buf, m.Extra, nil)
	if err != nil {
		return nil, err
	}
	return append(buf, '}'), nil
}

// appendExtra appends ,"key":value for each extra field in key order,
// skipping the names in skip.
func appendExtra(buf []byte, extra map[string]json.RawMessage, skip []string) ([]byte, error) {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !slices.Contains(skip, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := bytes.TrimSpace(extra[k])
		if !json.Valid(v) {
			return nil, fmt.Errorf("%w: field %q is not valid JSON", ErrInvalid, k)
		}
		buf = append(buf, ',')
		buf = jsonstr.Append(buf, k)
		buf = append(buf, ':')
		buf = append(buf, v...)
	}
	return buf, nil
}

// AppendHead appends the document's opening, up to and including
// `"objects":{`: coop's own fields, stamped for repo at now, then the
// top-level fields it does not know.
func AppendHead(buf []byte, repo RepoRef, now time.Time, extra map[string]json.RawMessage) ([]byte, error) {
	buf = append(buf, `{"repository_id":`...)
	buf = jsonstr.Append(buf, repo.RepositoryID)
	buf = append(buf, `,"account_id":`...)
	buf = jsonstr.Append(buf, repo.AccountID)
	buf = append(buf, `,"last_updated":`...)
	buf = jsonstr.Append(buf, FormatTime(now))
	buf, err := appendExtra(buf, extra, []string{fieldRepositoryID, fieldAccountID, fieldLastUpdated, fieldObjects})
	if err != nil {
		return nil, err
	}
	return append(buf, `,"objects":{`...), nil
}

// AppendEntry appends one entry of the objects map, with the separator
// that must precede it unless it is the first.
func AppendEntry(buf []byte, first bool, path string, raw []byte) []byte {
	if !first {
		buf = append(buf, ',')
	}
	buf = append(buf, '\n')
	buf = jsonstr.Append(buf, path)
	buf = append(buf, ':')
	return append(buf, raw...)
}

// AppendTail closes a document AppendHead opened.
func AppendTail(buf []byte) []byte { return append(buf, "\n}}\n"...) }

// UnmarshalJSON reads a whole document tolerantly: entries as
// DecodeObjectMeta reads them, an odd last_updated as unknown, fields
// coop does not know into Extra. It fails only when the text is not JSON
// or is not a document at all (not an object, or objects not an object).
func (m *SourceMetadata) UnmarshalJSON(raw []byte) error {
	*m = SourceMetadata{}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return err
	}
	if fields == nil {
		return errors.New("the document is null, not a JSON object")
	}
	for k, v := range fields {
		switch k {
		case fieldRepositoryID:
			_ = json.Unmarshal(v, &m.RepositoryID)
		case fieldAccountID:
			_ = json.Unmarshal(v, &m.AccountID)
		case fieldLastUpdated:
			m.LastUpdated, _ = ParseTimeJSON(v)
		case fieldObjects:
			if !isNull(v) && !bytes.HasPrefix(bytes.TrimSpace(v), []byte("{")) {
				return fmt.Errorf("%q is not a JSON object", fieldObjects)
			}
			if err := json.Unmarshal(v, &m.Objects); err != nil {
				return err
			}
		default:
			if m.Extra == nil {
				m.Extra = map[string]json.RawMessage{}
			}
			m.Extra[k] = v
		}
	}
	if m.Objects == nil {
		m.Objects = map[string]ObjectMeta{}
	}
	return nil
}

// MarshalJSON writes the whole document as coop writes it (entries in
// byte order of their paths), with the head as it is: stores stamp it
// before writing (see AppendHead).
func (m SourceMetadata) MarshalJSON() ([]byte, error) {
	buf := []byte(`{"repository_id":`)
	buf = jsonstr.Append(buf, m.RepositoryID)
	buf = append(buf, `,"account_id":`...)
	buf = jsonstr.Append(buf, m.AccountID)
	buf = append(buf, `,"last_updated":`...)
	buf = jsonstr.Append(buf, FormatTime(m.LastUpdated))
	buf, err := appendExtra(buf, m.Extra, []string{fieldRepositoryID, fieldAccountID, fieldLastUpdated, fieldObjects})
	if err != nil {
		return nil, err
	}
	buf = append(buf, `,"objects":{`...)
	for i, p := range sortedKeys(m.Objects) {
		raw, err := m.Objects[p].AppendJSON(nil)
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", p, err)
		}
		buf = AppendEntry(buf, i == 0, p, raw)
	}
	return AppendTail(buf), nil
}
