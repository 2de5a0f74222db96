package safe

import (
	"bytes"
	"encoding/json"
	"testing"
)

// Finding 13: --json output carried raw C1 controls (U+009B, a CSI).
func TestJSONWriterEscapesControls(t *testing.T) {
	name := "a\u009b2Jb\u0085c\x7fd\u202ee\u2028f\x1bg naïve 文字"
	var buf bytes.Buffer
	if err := json.NewEncoder(JSONWriter(&buf)).Encode(map[string]string{"name": name}); err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{"\u009b", "\u0085", "\x7f", "\u202e", "\u2028", "\x1b"} {
		if bytes.Contains(buf.Bytes(), []byte(raw)) {
			t.Errorf("%q is raw in %q", raw, buf.String())
		}
	}
	var back map[string]string
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back["name"] != name {
		t.Errorf("the escaped JSON reads back as %q, %v; want %q", back["name"], err, name)
	}
	if !bytes.Contains(buf.Bytes(), []byte("naïve 文字")) {
		t.Errorf("printable text was escaped: %s", buf.String())
	}
}
