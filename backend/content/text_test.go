package content_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/backend/content/contenttest"
)

func TestTextIsEscaped(t *testing.T) {
	in := "title\x1b]0;pwned\x07\nred \x1b[31mtext\r\nbad \xff\xfe byte\tand tab\nrtl \u202egnp.exe\nC1 \u009b2J\n"
	s := summarize(t, "notes.txt", []byte(in))
	if s.Format != content.FormatText {
		t.Fatalf("format %q", s.Format)
	}
	body := s.Text.Body
	for _, bad := range []string{"\x1b", "\x07", "\r", "\xff", "\u202e", "\u009b", "\t"} {
		if strings.Contains(body, bad) {
			t.Errorf("body keeps %q:\n%q", bad, body)
		}
	}
	for _, want := range []string{`title\x1b]0;pwned\x07`, `red \x1b[31mtext`, `bad \xff\xfe byte`, `\u202egnp.exe`, `C1 \u009b2J`, "byte       and tab"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if s.Text.Lines != 5 || s.Text.Escaped == 0 || s.Text.Truncated {
		t.Errorf("lines %d escaped %d truncated %v", s.Text.Lines, s.Text.Escaped, s.Text.Truncated)
	}
}

func TestBinaryIsNeverDumped(t *testing.T) {
	b := append([]byte("\x89HDF\r\n\x1a\n"), bytes.Repeat([]byte{0, 1, 2, 0x1b, '[', '2', 'J'}, 100)...)
	for _, name := range []string{"data.h5", "lies.txt", "README"} {
		s := summarize(t, name, b)
		if s.Format != content.FormatBinary || s.Text != nil || s.MIME == "" {
			t.Errorf("%s: format %q text %v mime %q", name, s.Format, s.Text, s.MIME)
		}
	}
}

func TestTextStopsOnAWholeLine(t *testing.T) {
	line := strings.Repeat("é", 30) + "\n"
	b := []byte(strings.Repeat(line, 5000)) // 305 KB
	s := summarize(t, "long.md", b)
	if s.Format != content.FormatMarkdown || s.Text.Language != "markdown" || !s.Text.Truncated {
		t.Fatalf("format %q language %q truncated %v", s.Format, s.Text.Language, s.Text.Truncated)
	}
	if !strings.HasSuffix(s.Text.Body, line) || len(s.Text.Body) > content.TextBytes || s.Text.Escaped != 0 {
		t.Errorf("body of %d bytes ends %q, %d escaped", len(s.Text.Body), s.Text.Body[len(s.Text.Body)-10:], s.Text.Escaped)
	}
	if s.BytesRead > content.TextBytes+16<<10 {
		t.Errorf("read %d bytes for a 64 KiB preview", s.BytesRead)
	}
}

func TestJSONIsPrettyWhenWhole(t *testing.T) {
	s := summarize(t, "a.geojson", []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"n":1}}]}`))
	if s.Format != content.FormatGeoJSON || !s.Text.Pretty || !strings.Contains(s.Text.Body, "\n  \"features\": [\n") {
		t.Errorf("format %q pretty %v:\n%s", s.Format, s.Text.Pretty, s.Text.Body)
	}
	big := []byte(`[` + strings.Repeat(`{"k":"v"},`, 10000) + `{}]`)
	s = summarize(t, "big.json", big)
	if s.Text.Pretty || !s.Text.Truncated {
		t.Errorf("a JSON file longer than the read is shown as it is: pretty %v truncated %v", s.Text.Pretty, s.Text.Truncated)
	}
	deep := []byte(strings.Repeat("[", 5000) + strings.Repeat("]", 5000))
	s = summarize(t, "deep.json", deep)
	if s.Text.Pretty || len(s.Text.Body) != len(deep) {
		t.Errorf("deep nesting is not re-indented: pretty %v, %d bytes", s.Text.Pretty, len(s.Text.Body))
	}
}

func TestTextFormatsAndLanguages(t *testing.T) {
	for name, want := range map[string][2]string{
		"main.go":        {"code", "Go"},
		"CMakeLists.txt": {"code", "CMake"},
		"model.f90":      {"code", "Fortran"},
		"setup.py":       {"code", "Python"},
		"config.yaml":    {"yaml", "YAML"},
		"Cargo.toml":     {"toml", "TOML"},
		"LICENSE":        {"text", ""},
		"notes":          {"text", ""},
	} {
		s := summarize(t, name, []byte("x = 1\n"))
		if string(s.Format) != want[0] || !strings.EqualFold(s.Text.Language, want[1]) {
			t.Errorf("%s: format %q language %q; want %v", name, s.Format, s.Text.Language, want)
		}
	}
}

func TestCSVTables(t *testing.T) {
	for _, tc := range []struct {
		name, body, delim string
		columns, rows     int
	}{
		{"a.csv", contenttest.CSV, ",", 4, 3},
		{"eu.csv", contenttest.SemicolonCSV, ";", 3, 3},
		{"genes.tsv", contenttest.TSV, "\t", 3, 2},
		{"pipes.csv", "a|b\n1|2\n", "|", 2, 1},
	} {
		s := summarize(t, tc.name, []byte(tc.body))
		tb := s.Table
		if tb.Delimiter != tc.delim || tb.Columns != tc.columns || len(tb.Rows) != tc.rows {
			t.Errorf("%s: delimiter %q columns %d rows %d", tc.name, tb.Delimiter, tb.Columns, len(tb.Rows))
		}
	}
	tb := summarize(t, "a.csv", []byte(contenttest.CSV)).Table
	if tb.Rows[0][1] != "Smith, Jane" || tb.Rows[0][2] != `said "hi"` || tb.Rows[1][2] != `two\nlines` {
		t.Errorf("quoted fields %q", tb.Rows[:2])
	}
}

func TestCSVCutShort(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,text\n")
	for i := range 20000 {
		b.WriteString(`7,"a long quoted field, with a comma and a line`)
		if i%3 == 0 {
			b.WriteString("\nbreak")
		}
		b.WriteString("\"\n")
	}
	s := summarize(t, "big.csv", []byte(b.String()))
	if !s.Table.Truncated || len(s.Table.Rows) != content.MaxTableRows || s.Table.Columns != 2 {
		t.Errorf("truncated %v rows %d columns %d", s.Table.Truncated, len(s.Table.Rows), s.Table.Columns)
	}
	if s.BytesRead > 128<<10 {
		t.Errorf("read %d bytes", s.BytesRead)
	}
}

func TestEmptyAndUnknown(t *testing.T) {
	if s := summarize(t, "nothing.parquet", nil); s.Format != content.FormatEmpty {
		t.Errorf("empty file: %q", s.Format)
	}
	s, err := content.Summarize(context.Background(), "x", 10, content.BytesRanger("0123456789"), 0)
	if err != nil || s.Format != content.FormatText {
		t.Errorf("unknown text: %v %v", s, err)
	}
}
