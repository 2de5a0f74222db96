package aws

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// What the hand reader takes, encoding/json reads alike (the reference
// below); whatever it refuses goes to the SDK. Fuzzed from answers of
// every attribute type.
func FuzzGetItemAnswer(f *testing.F) {
	for _, s := range getItemAnswers {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := decodeGetItemOutput(raw)
		if err != nil {
			return
		}
		want, rerr := decodeGetItemOutputReflect(raw)
		if rerr != nil {
			t.Fatalf("read %q as %#v; encoding/json refuses it: %v", raw, got, rerr)
		}
		if len(got) != len(want) || len(got) > 0 && !reflect.DeepEqual(got, want) {
			t.Fatalf("read %q as\n%#v\nencoding/json as\n%#v", raw, got, want)
		}
	})
}

var getItemAnswers = []string{
	`{}`,
	`{"Item":{}}`,
	`{"Item":{"account_id":{"S":"acme"},"repository_id":{"S":"data"},"title":{"S":"Data"},"metadata":{"M":{}}}}`,
	` { "Item" : { "a" : { "N" : "1.5E+30" } , "b" : { "BOOL" : false } } } `,
	`{"Item":{"s":{"S":"esc \" \\ \/ \n \u00e9 \ud83d\ude80 \u2028"},"n":{"N":"-0.0001"},"b":{"B":"AAEC/3g="},"t":{"BOOL":true},"z":{"NULL":true}}}`,
	`{"Item":{"ss":{"SS":["b","a","ç"]},"ns":{"NS":["1","2.5"]},"bs":{"BS":["AQ==","AgM="]},"e":{"S":""}}}`,
	`{"Item":{"l":{"L":[{"S":"x"},{"N":"7"},{"L":[]},{"M":{}},{"NULL":true}]},"m":{"M":{"k":{"M":{"d":{"BOOL":true}}}}}}}`,
	"{\"Item\":{\"bad\":{\"S\":\"\xff\xfe\"}}}",
	`{"Item":{"a":{"S":"x","N":"1"}}}`,
	`{"Item":{"a":{"X":"1"}}}`,
	`{"Item":{"a":{}}}`,
	`{"Item":{"a":{"B":"%%%"}}}`,
	`{"Item":{"a":{"S":null}}}`,
	`{"Item":{"a":{"s":"lower"}}}`,
	`{"Item":{"a":{"S":"x"}}} trailing`,
	`{"ConsumedCapacity":{"TableName":"t"}}`,
}

// The answers above read as encoding/json reads them, or go to the SDK.
func TestGetItemAnswersReadAsEncodingJSON(t *testing.T) {
	taken := 0
	for _, s := range getItemAnswers {
		got, err := decodeGetItemOutput([]byte(s))
		want, rerr := decodeGetItemOutputReflect([]byte(s))
		switch {
		case err != nil:
			t.Logf("left to the SDK: %s (%v)", s, err)
		case rerr != nil:
			t.Errorf("read %s, which encoding/json refuses: %v", s, rerr)
		case len(got) != len(want) || len(got) > 0 && !reflect.DeepEqual(got, want):
			t.Errorf("read %s as\n%#v\nencoding/json as\n%#v", s, got, want)
		default:
			taken++
		}
	}
	if taken != 8 {
		t.Errorf("%d of the well-formed answers taken, want 8", taken)
	}
}

// The request's body is the JSON encoding/json writes of the same
// request, whatever the names hold.
func TestGetItemBodyIsJSON(t *testing.T) {
	key := map[string]types.AttributeValue{
		"account_id":     &types.AttributeValueMemberS{Value: "a\"b\\c\n\u2028é<>&"},
		"n":              &types.AttributeValueMemberN{Value: "12.5"},
		"b":              &types.AttributeValueMemberB{Value: []byte{0, 1, 0xff}},
		"odd \"name\" ✓": &types.AttributeValueMemberS{Value: ""},
	}
	b, ok := appendGetItemBody(nil, "t\"able", key)
	if !ok {
		t.Fatal("a key of strings, numbers and binaries refused")
	}
	var got struct {
		ConsistentRead bool
		TableName      string
		Key            map[string]map[string]json.RawMessage
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("body %s: %v", b, err)
	}
	if !got.ConsistentRead || got.TableName != "t\"able" || len(got.Key) != len(key) {
		t.Fatalf("body %s", b)
	}
	for name, v := range key {
		var want string
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			want = fmt.Sprintf(`{"S":%s}`, mustJSON(v.Value))
		case *types.AttributeValueMemberN:
			want = fmt.Sprintf(`{"N":%s}`, mustJSON(v.Value))
		case *types.AttributeValueMemberB:
			want = fmt.Sprintf(`{"B":%s}`, mustJSON(v.Value))
		}
		g, _ := json.Marshal(got.Key[name])
		if string(g) != want {
			t.Errorf("key %q: %s, want %s", name, g, want)
		}
	}
	if _, ok := appendGetItemBody(nil, "t", map[string]types.AttributeValue{"k": &types.AttributeValueMemberBOOL{}}); ok {
		t.Error("a key of another type taken")
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// GetItem's answer read by encoding/json: the reference the hand reader is
// checked against.
// decodeGetItemOutput reads GetItem's answer, {"Item": {...}} or {} for
// no item, into the SDK's attribute values, as its deserialiser does:
// every type DynamoDB has, numbers as their text. A value of no known type
// or of two is an error (the SDK then reads the answer).
func decodeGetItemOutputReflect(raw []byte) (map[string]types.AttributeValue, error) {
	var out struct {
		Item map[string]wireAttr
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	if out.Item == nil {
		return nil, nil
	}
	item := make(map[string]types.AttributeValue, len(out.Item))
	for k, v := range out.Item {
		av, err := v.value()
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", k, err)
		}
		item[k] = av
	}
	return item, nil
}

// wireAttr is one attribute value of DynamoDB's JSON protocol: exactly one
// member is set. Decoded in one pass by encoding/json (binaries from
// base64), then turned into the SDK's type.
type wireAttr struct {
	S    *string
	N    *string
	B    []byte
	BOOL *bool
	NULL *bool
	SS   []string
	NS   []string
	BS   [][]byte
	L    []wireAttr
	M    map[string]wireAttr
}

// errRefAttr is an attribute value with no known member, or more than one.
var errRefAttr = errors.New("not an attribute value of one known type")

// value is a's SDK form.
func (a *wireAttr) value() (types.AttributeValue, error) {
	var v types.AttributeValue
	n := 0
	set := func(x types.AttributeValue) { v = x; n++ }
	if a.S != nil {
		set(&types.AttributeValueMemberS{Value: *a.S})
	}
	if a.N != nil {
		set(&types.AttributeValueMemberN{Value: *a.N})
	}
	if a.B != nil {
		set(&types.AttributeValueMemberB{Value: a.B})
	}
	if a.BOOL != nil {
		set(&types.AttributeValueMemberBOOL{Value: *a.BOOL})
	}
	if a.NULL != nil {
		set(&types.AttributeValueMemberNULL{Value: *a.NULL})
	}
	if a.SS != nil {
		set(&types.AttributeValueMemberSS{Value: a.SS})
	}
	if a.NS != nil {
		set(&types.AttributeValueMemberNS{Value: a.NS})
	}
	if a.BS != nil {
		set(&types.AttributeValueMemberBS{Value: a.BS})
	}
	if a.L != nil {
		l := make([]types.AttributeValue, len(a.L))
		for i := range a.L {
			e, err := a.L[i].value()
			if err != nil {
				return nil, err
			}
			l[i] = e
		}
		set(&types.AttributeValueMemberL{Value: l})
	}
	if a.M != nil {
		m := make(map[string]types.AttributeValue, len(a.M))
		for k, e := range a.M {
			ev, err := e.value()
			if err != nil {
				return nil, err
			}
			m[k] = ev
		}
		set(&types.AttributeValueMemberM{Value: m})
	}
	if n != 1 {
		return nil, errRefAttr
	}
	return v, nil
}
