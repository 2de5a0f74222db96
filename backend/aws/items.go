package aws

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/coopterm/coop/backend"
)

// Items of the platform's tables come from many writers (its web app,
// boto3 scripts, the aws CLI), so they are read attribute by attribute:
// times in any form backend.ParseTime reads, or epoch numbers; an
// attribute that still cannot be read is recorded in the item's
// Unreadable list instead of failing the item, or the page it is on.
// They are written strictly: every attribute of the schema, times in RFC
// 3339 UTC, empty maps and strings as empty values.

// itemReader reads the attributes of one item, collecting what it cannot.
type itemReader struct {
	item map[string]types.AttributeValue
	bad  []backend.FieldError
}

func (r *itemReader) fail(field, reason string) {
	r.bad = append(r.bad, backend.FieldError{Field: field, Reason: reason})
}

// str reads a string attribute; absent or NULL is "".
func (r *itemReader) str(name string) string {
	switch v := r.item[name].(type) {
	case nil, *types.AttributeValueMemberNULL:
		return ""
	case *types.AttributeValueMemberS:
		return v.Value
	default:
		r.fail(name, "a "+kindOf(v)+", not a string")
		return ""
	}
}

// time reads a time: a string in any ISO 8601 form, or a number of epoch
// seconds or milliseconds. Absent, NULL or "" is the zero time (unknown).
func (r *itemReader) time(name string) time.Time {
	var text string
	switch v := r.item[name].(type) {
	case nil, *types.AttributeValueMemberNULL:
		return time.Time{}
	case *types.AttributeValueMemberS:
		text = v.Value
	case *types.AttributeValueMemberN:
		text = v.Value
	default:
		r.fail(name, "a "+kindOf(v)+", not a time")
		return time.Time{}
	}
	if text == "" {
		return time.Time{}
	}
	t, err := backend.ParseTime(text)
	if err != nil {
		r.fail(name, err.Error())
	}
	return t
}

// mapping reads a map attribute; absent or NULL is nil.
func (r *itemReader) mapping(name string) map[string]any {
	switch v := r.item[name].(type) {
	case nil, *types.AttributeValueMemberNULL:
		return nil
	case *types.AttributeValueMemberM:
		var m map[string]any
		err := attributevalue.UnmarshalMapWithOptions(v.Value, &m, func(o *attributevalue.DecoderOptions) { o.UseNumber = true })
		if err != nil {
			r.fail(name, err.Error())
			return nil
		}
		return convertNumbers(m, func(n attributevalue.Number) any { return json.Number(n) }).(map[string]any)
	default:
		r.fail(name, "a "+kindOf(v)+", not a map")
		return nil
	}
}

// kindOf names a DynamoDB attribute type for messages.
func kindOf(v types.AttributeValue) string {
	switch v.(type) {
	case *types.AttributeValueMemberS:
		return "string"
	case *types.AttributeValueMemberN:
		return "number"
	case *types.AttributeValueMemberBOOL:
		return "boolean"
	case *types.AttributeValueMemberM:
		return "map"
	case *types.AttributeValueMemberL:
		return "list"
	case *types.AttributeValueMemberB:
		return "binary value"
	case *types.AttributeValueMemberSS, *types.AttributeValueMemberNS, *types.AttributeValueMemberBS:
		return "set"
	}
	return fmt.Sprintf("%T", v)
}

// decodeAccount reads an Accounts item.
func decodeAccount(item map[string]types.AttributeValue) backend.Account {
	r := itemReader{item: item}
	a := backend.Account{
		ID:              r.str(attrAccountID),
		Type:            backend.AccountType(r.str(attrType)),
		Name:            r.str(backend.AttrName),
		Email:           r.str(attrEmail),
		CreatedAt:       r.time(attrCreatedAt),
		UpdatedAt:       r.time(attrUpdatedAt),
		MetadataPublic:  r.mapping(backend.AttrMetadataPublic),
		MetadataPrivate: r.mapping(backend.AttrMetadataPrivate),
	}
	a.Unreadable = r.bad
	return a
}

// decodeRepo reads a Repositories item.
func decodeRepo(item map[string]types.AttributeValue) backend.Repository {
	r := itemReader{item: item}
	repo := backend.Repository{
		ID:          r.str(attrRepositoryID),
		AccountID:   r.str(attrAccountID),
		Title:       r.str(backend.AttrTitle),
		Description: r.str(backend.AttrDescription),
		CreatedAt:   r.time(attrCreatedAt),
		UpdatedAt:   r.time(attrUpdatedAt),
		Visibility:  backend.Visibility(r.str(backend.AttrVisibility)),
		Metadata:    r.mapping(backend.AttrMetadata),
	}
	repo.Unreadable = r.bad
	return repo
}

// encodeAccount writes every attribute of the schema. The email is left
// out when empty: it is GSI2's key, and DynamoDB refuses an empty string
// (or a NULL) as an index key; an account without one is simply not in
// GSI2.
func encodeAccount(a backend.Account) (map[string]types.AttributeValue, error) {
	item := map[string]types.AttributeValue{
		attrAccountID:    str(a.ID),
		attrType:         str(string(a.Type)),
		backend.AttrName: str(a.Name),
		attrCreatedAt:    str(formatTime(a.CreatedAt)),
		attrUpdatedAt:    str(formatTime(a.UpdatedAt)),
	}
	if a.Email != "" {
		item[attrEmail] = str(a.Email)
	}
	for name, m := range map[string]map[string]any{
		backend.AttrMetadataPublic: a.MetadataPublic, backend.AttrMetadataPrivate: a.MetadataPrivate,
	} {
		v, err := mapValue(m)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", name, err)
		}
		item[name] = v
	}
	return item, nil
}

// encodeRepo writes every attribute of the schema.
func encodeRepo(r backend.Repository) (map[string]types.AttributeValue, error) {
	md, err := mapValue(r.Metadata)
	if err != nil {
		return nil, fmt.Errorf("encode metadata: %w", err)
	}
	return map[string]types.AttributeValue{
		attrRepositoryID:        str(r.ID),
		attrAccountID:           str(r.AccountID),
		backend.AttrTitle:       str(r.Title),
		backend.AttrDescription: str(r.Description),
		attrCreatedAt:           str(formatTime(r.CreatedAt)),
		attrUpdatedAt:           str(formatTime(r.UpdatedAt)),
		backend.AttrVisibility:  str(string(r.Visibility)),
		backend.AttrMetadata:    md,
	}, nil
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

// mapValue encodes a metadata map, an empty one (never NULL) for nil.
// Numbers read as json.Number go back as the same digits.
func mapValue(m map[string]any) (types.AttributeValue, error) {
	if m == nil {
		m = map[string]any{}
	}
	return attributevalue.Marshal(convertNumbers(m, nil))
}

// convertNumbers copies v, a value of a metadata map, with its numbers
// carried exactly: DynamoDB numbers (attributevalue.Number) become what
// toJSON makes of them (json.Number, which front ends print and encode
// as numbers), and with toJSON nil json.Numbers become DynamoDB numbers
// again. float64 would round a 20-digit number that another tool stored.
func convertNumbers(v any, toJSON func(attributevalue.Number) any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = convertNumbers(e, toJSON)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = convertNumbers(e, toJSON)
		}
		return out
	case attributevalue.Number:
		if toJSON != nil {
			return toJSON(x)
		}
	case json.Number:
		if toJSON == nil {
			return attributevalue.Number(x)
		}
	}
	return v
}
