package jsonstr

import (
	"encoding/json"
	"testing"
)

func TestAppendWritesWhatEncodingJSONWrites(t *testing.T) {
	for _, s := range []string{
		"", "plain path/to/file.csv", `quote " and \ backslash`, "<b>&amp;</b>",
		"tab\tnew\nline", "\x00\x1f\x7f", "é ü 日本", "\u2028\u2029", "bad \xff utf-8", "\x1b[31mred",
	} {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := Append([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("Append(%q) = %s, want x%s", s, got, want)
		}
	}
}

func FuzzAppend(f *testing.F) {
	f.Add("a/b.csv")
	f.Add("\xff<\u2028")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := Append(nil, s); string(got) != string(want) {
			t.Errorf("Append(%q) = %s, want %s", s, got, want)
		}
	})
}
