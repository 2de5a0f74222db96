package aws

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/coopterm/coop/internal/jsonstr"
)

// GetItem's request and answer are written and read here by hand, not
// with encoding/json's reflection: a command asks one GetItem, and
// encoding/json's first use of a type in a process (its field cache)
// allocated more than the request itself (≈ 270 allocations, once per
// process, every command).

// appendGetItemBody appends GetItem's JSON body: a consistent read of
// table at key (strings, numbers and binaries, the key types DynamoDB
// has). Not ok for a key of another type.
func appendGetItemBody(b []byte, table string, key map[string]types.AttributeValue) ([]byte, bool) {
	b = append(b, `{"ConsistentRead":true,"Key":{`...)
	first := true
	for name, v := range key {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = jsonstr.Append(b, name)
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			b = append(b, `:{"S":`...)
			b = jsonstr.Append(b, v.Value)
		case *types.AttributeValueMemberN:
			b = append(b, `:{"N":`...)
			b = jsonstr.Append(b, v.Value)
		case *types.AttributeValueMemberB:
			b = append(b, `:{"B":"`...)
			b = base64.StdEncoding.AppendEncode(b, v.Value)
			b = append(b, '"')
		default:
			return nil, false
		}
		b = append(b, '}')
	}
	b = append(b, `},"TableName":`...)
	b = jsonstr.Append(b, table)
	return append(b, '}'), true
}

// errDDBJSON is an answer this reader does not take (the SDK's then
// reads it): not JSON, a member other than Item, a value of no known type
// or of two, nesting deeper than DynamoDB allows.
var errDDBJSON = errors.New("unexpected DynamoDB JSON")

// maxAttrDepth bounds nesting (DynamoDB allows 32 levels).
const maxAttrDepth = 64

// decodeGetItemOutput reads GetItem's answer, {"Item": {...}} or {} for
// no item, into the SDK's attribute values, as its deserialiser does:
// every type DynamoDB has, numbers as their text, binaries from base64.
func decodeGetItemOutput(raw []byte) (map[string]types.AttributeValue, error) {
	p := jsonScan{b: raw}
	var item map[string]types.AttributeValue
	err := p.object(func(name string) error {
		if name != "Item" || item != nil {
			return errDDBJSON
		}
		m, err := p.attrMap(0)
		item = m
		return err
	})
	if err != nil {
		return nil, err
	}
	if p.ws(); p.i != len(p.b) {
		return nil, errDDBJSON
	}
	return item, nil
}

// jsonScan reads JSON from b at i.
type jsonScan struct {
	b []byte
	i int
}

// ws skips white space.
func (p *jsonScan) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// next skips white space and reports whether c follows, taking it.
func (p *jsonScan) next(c byte) bool {
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// object reads an object, calling member for each name with the scanner
// at its value.
func (p *jsonScan) object(member func(name string) error) error {
	if !p.next('{') {
		return errDDBJSON
	}
	if p.next('}') {
		return nil
	}
	for {
		name, err := p.str()
		if err != nil {
			return err
		}
		if !p.next(':') {
			return errDDBJSON
		}
		if err := member(name); err != nil {
			return err
		}
		if p.next('}') {
			return nil
		}
		if !p.next(',') {
			return errDDBJSON
		}
	}
}

// array reads an array, calling elem with the scanner at each element.
func (p *jsonScan) array(elem func() error) error {
	if !p.next('[') {
		return errDDBJSON
	}
	if p.next(']') {
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		if p.next(']') {
			return nil
		}
		if !p.next(',') {
			return errDDBJSON
		}
	}
}

// str reads a string. One with escapes or bytes that are not UTF-8 is
// read by encoding/json, so that it reads exactly as there.
func (p *jsonScan) str() (string, error) {
	if !p.next('"') {
		return "", errDDBJSON
	}
	start := p.i
	for j := start; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			if s := p.b[start:j]; utf8.Valid(s) {
				p.i = j + 1
				return string(s), nil
			}
			return p.slowStr(start - 1)
		case c == '\\':
			return p.slowStr(start - 1)
		case c < 0x20:
			return "", errDDBJSON
		}
	}
	return "", errDDBJSON
}

// slowStr reads the string token at from with encoding/json.
func (p *jsonScan) slowStr(from int) (string, error) {
	j := from + 1
	for j < len(p.b) && p.b[j] != '"' {
		if p.b[j] == '\\' {
			j++
		}
		j++
	}
	if j >= len(p.b) {
		return "", errDDBJSON
	}
	var s string
	if err := json.Unmarshal(p.b[from:j+1], &s); err != nil {
		return "", err
	}
	p.i = j + 1
	return s, nil
}

// boolean reads true or false.
func (p *jsonScan) boolean() (bool, error) {
	p.ws()
	switch rest := p.b[p.i:]; {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		p.i += 4
		return true, nil
	case len(rest) >= 5 && string(rest[:5]) == "false":
		p.i += 5
		return false, nil
	}
	return false, errDDBJSON
}

// strings reads an array of strings.
func (p *jsonScan) strings() ([]string, error) {
	l := []string{}
	err := p.array(func() error {
		s, err := p.str()
		l = append(l, s)
		return err
	})
	return l, err
}

// blob reads a base64 string.
func (p *jsonScan) blob() ([]byte, error) {
	s, err := p.str()
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(s)
}

// attrMap reads an object of attribute values.
func (p *jsonScan) attrMap(depth int) (map[string]types.AttributeValue, error) {
	m := map[string]types.AttributeValue{}
	err := p.object(func(name string) error {
		v, err := p.attr(depth + 1)
		m[name] = v
		return err
	})
	return m, err
}

// attr reads one attribute value: an object of exactly one known member.
func (p *jsonScan) attr(depth int) (types.AttributeValue, error) {
	if depth > maxAttrDepth {
		return nil, errDDBJSON
	}
	var v types.AttributeValue
	err := p.object(func(tag string) error {
		if v != nil {
			return errDDBJSON
		}
		var err error
		switch tag {
		case "S":
			var s string
			s, err = p.str()
			v = &types.AttributeValueMemberS{Value: s}
		case "N":
			var s string
			s, err = p.str()
			v = &types.AttributeValueMemberN{Value: s}
		case "B":
			var b []byte
			b, err = p.blob()
			v = &types.AttributeValueMemberB{Value: b}
		case "BOOL":
			var b bool
			b, err = p.boolean()
			v = &types.AttributeValueMemberBOOL{Value: b}
		case "NULL":
			var b bool
			b, err = p.boolean()
			v = &types.AttributeValueMemberNULL{Value: b}
		case "SS":
			var l []string
			l, err = p.strings()
			v = &types.AttributeValueMemberSS{Value: l}
		case "NS":
			var l []string
			l, err = p.strings()
			v = &types.AttributeValueMemberNS{Value: l}
		case "BS":
			l := [][]byte{}
			err = p.array(func() error {
				b, err := p.blob()
				l = append(l, b)
				return err
			})
			v = &types.AttributeValueMemberBS{Value: l}
		case "L":
			l := []types.AttributeValue{}
			err = p.array(func() error {
				e, err := p.attr(depth + 1)
				l = append(l, e)
				return err
			})
			v = &types.AttributeValueMemberL{Value: l}
		case "M":
			var m map[string]types.AttributeValue
			m, err = p.attrMap(depth)
			v = &types.AttributeValueMemberM{Value: m}
		default:
			return errDDBJSON
		}
		return err
	})
	if err == nil && v == nil {
		err = errDDBJSON
	}
	return v, err
}
