package local

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/coopterm/coop/backend"
)

// Catalog items are JSON objects with the attribute names of the
// platform's tables. They are read field by field, as the DynamoDB items
// are: times in any form backend.ParseTimeJSON reads, and a field that
// cannot be read is recorded in the item's Unreadable list rather than
// failing the item or its page. They are written with every attribute of
// the schema (empty strings and maps as empty values), times in RFC 3339
// UTC, and every field coop does not know, or could not read, kept as it
// was stored.

// fieldReader reads the fields of one stored item.
type fieldReader struct {
	obj map[string]json.RawMessage
	bad []backend.FieldError
}

// newFieldReader parses a stored item; one that is not a JSON object is
// unreadable as a whole (a FieldError without a field).
func newFieldReader(data []byte) *fieldReader {
	r := &fieldReader{}
	if err := json.Unmarshal(data, &r.obj); err != nil || r.obj == nil {
		reason := "not a JSON object"
		if err != nil {
			reason += ": " + err.Error()
		}
		r.bad = append(r.bad, backend.FieldError{Reason: reason})
	}
	return r
}

func (r *fieldReader) fail(field string, err error) {
	r.bad = append(r.bad, backend.FieldError{Field: field, Reason: err.Error()})
}

// str reads a string field; absent or null is "".
func (r *fieldReader) str(name string) string {
	raw, ok := r.obj[name]
	if !ok || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		r.fail(name, fmt.Errorf("not a string"))
	}
	return s
}

// time reads a time in any form backend.ParseTimeJSON reads; absent,
// null or "" is the zero time (unknown).
func (r *fieldReader) time(name string) time.Time {
	raw, ok := r.obj[name]
	if !ok {
		return time.Time{}
	}
	t, err := backend.ParseTimeJSON(raw)
	if err != nil {
		r.fail(name, err)
	}
	return t
}

// mapping reads an object field; absent or null is nil.
func (r *fieldReader) mapping(name string) map[string]any {
	raw, ok := r.obj[name]
	if !ok || string(raw) == "null" {
		return nil
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // every digit of a number another tool stored, kept
	if err := dec.Decode(&m); err != nil {
		r.fail(name, fmt.Errorf("not a map"))
		return nil
	}
	return m
}

// decodeAccount reads a stored account; key supplies its id and type when
// the item itself cannot be read.
func decodeAccount(key, data []byte) backend.Account {
	r := newFieldReader(data)
	id, typ, _ := bytes.Cut(key, []byte(sep))
	a := backend.Account{ID: string(id), Type: backend.AccountType(typ)}
	if r.obj != nil {
		a.Name, a.Email = r.str(backend.AttrName), r.str(backend.AttrEmail)
		a.CreatedAt, a.UpdatedAt = r.time(backend.AttrCreatedAt), r.time(backend.AttrUpdatedAt)
		a.MetadataPublic, a.MetadataPrivate = r.mapping(backend.AttrMetadataPublic), r.mapping(backend.AttrMetadataPrivate)
	}
	a.Unreadable = r.bad
	return a
}

// decodeRepo reads a stored repository; key supplies its ids when the
// item itself cannot be read.
func decodeRepo(key, data []byte) backend.Repository {
	r := newFieldReader(data)
	repoID, accountID, _ := bytes.Cut(key, []byte(sep))
	repo := backend.Repository{ID: string(repoID), AccountID: string(accountID)}
	if r.obj != nil {
		repo.Title, repo.Description = r.str(backend.AttrTitle), r.str(backend.AttrDescription)
		repo.CreatedAt, repo.UpdatedAt = r.time(backend.AttrCreatedAt), r.time(backend.AttrUpdatedAt)
		repo.Visibility = backend.Visibility(r.str(backend.AttrVisibility))
		repo.Metadata = r.mapping(backend.AttrMetadata)
	}
	repo.Unreadable = r.bad
	return repo
}

// accountFields are the schema's attributes of a, as coop writes them.
func accountFields(a backend.Account) map[string]any {
	return map[string]any{
		backend.AttrAccountID: a.ID, backend.AttrType: string(a.Type), backend.AttrName: a.Name,
		backend.AttrEmail: a.Email, backend.AttrCreatedAt: backend.FormatTime(a.CreatedAt),
		backend.AttrUpdatedAt:      backend.FormatTime(a.UpdatedAt),
		backend.AttrMetadataPublic: nonNil(a.MetadataPublic), backend.AttrMetadataPrivate: nonNil(a.MetadataPrivate),
	}
}

// repoFields are the schema's attributes of r, as coop writes them.
func repoFields(r backend.Repository) map[string]any {
	return map[string]any{
		backend.AttrRepositoryID: r.ID, backend.AttrAccountID: r.AccountID, backend.AttrTitle: r.Title,
		backend.AttrDescription: r.Description, backend.AttrCreatedAt: backend.FormatTime(r.CreatedAt),
		backend.AttrUpdatedAt: backend.FormatTime(r.UpdatedAt), backend.AttrVisibility: string(r.Visibility),
		backend.AttrMetadata: nonNil(r.Metadata),
	}
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// encodeItem writes fields over the item stored before (old, nil if
// none): fields coop does not know, and those listed in unread, keep their
// stored value (but updated_at, which every write sets, as on DynamoDB).
func encodeItem(old []byte, fields map[string]any, unread []backend.FieldError) ([]byte, error) {
	out := map[string]json.RawMessage{}
	if old != nil {
		_ = json.Unmarshal(old, &out) // an unreadable item is refused before (backend.CheckUnreadKept)
	}
	for name, v := range fields {
		if _, stored := out[name]; stored && name != backend.AttrUpdatedAt && backend.Unread(unread, name) {
			continue
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", name, err)
		}
		out[name] = raw
	}
	return json.Marshal(out)
}
