package render

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/backend/content"
)

// markdownLines draws a Markdown file as the preview does.
func markdownLines(t *testing.T, ctx context.Context, md string, width int, dark bool) []string {
	t.Helper()
	s, err := content.Summarize(context.Background(), "README.md", int64(len(md)), content.BytesRanger(md), 0)
	if err != nil {
		t.Fatal(err)
	}
	return Lines(ctx, s, Options{Width: width, Color: true, Dark: dark})
}

// lineWith returns the first line whose text (without styles) contains
// s, and its index; -1 if none.
func lineWith(lines []string, s string) (string, int) {
	for i, l := range lines {
		if strings.Contains(ansi.Strip(l), s) {
			return l, i
		}
	}
	return "", -1
}

const elements = "# Field notes\n\n" +
	"Some *soft* and **strong** words, `inline code`, a [link](https://example.org/x) and <https://auto.example>. " +
	"This sentence goes on long enough that the paragraph has to wrap at the width.\n\n" +
	"## Lists\n\n- one\n- two\n  - nested\n    1. deep\n- three\n\n3. third\n4. fourth\n\n" +
	"> quoted words\n\n---\n\n" +
	"| name | size |\n|------|-----:|\n| a.csv | 12 |\n| bigger.parquet | 1234567 |\n\n" +
	"```python\ndef f(x):\n    return x + 1\n```\n\n    indented\n    code\n"

func TestMarkdownElements(t *testing.T) {
	for _, dark := range []bool{false, true} {
		lines := markdownLines(t, context.Background(), elements, 60, dark)
		plain := make([]string, len(lines))
		for i, l := range lines {
			plain[i] = ansi.Strip(l)
			if w := ansi.StringWidth(l); w > 60 {
				t.Errorf("line %d is %d wide: %q", i, w, plain[i])
			}
		}
		all := strings.Join(plain, "\n")
		check := func(what string, ok bool) {
			t.Helper()
			if !ok {
				t.Errorf("dark %v: %s:\n%s", dark, what, all)
			}
		}
		h1, _ := lineWith(lines, "Field notes")
		check("the heading without its #, bold and underlined", !strings.Contains(all, "#") && strings.Contains(h1, "\x1b[4;1;"))
		check("emphasis in italics", strings.Contains(strings.Join(lines, ""), "\x1b[3msoft\x1b[m"))
		check("strong in bold", strings.Contains(strings.Join(lines, ""), "\x1b[1mstrong\x1b[m"))
		code, _ := lineWith(lines, "inline code")
		check("inline code coloured", strings.Contains(code, "38;2;") && !strings.Contains(all, "`"))
		words := strings.Join(strings.Fields(all), " ")
		check("the link's text and URL", strings.Contains(words, "a link (https://example.org/x) and https://auto.example."))
		_, w1 := lineWith(lines, "Some soft")
		_, w2 := lineWith(lines, "wrap at the width")
		check("the paragraph wrapped", w1 >= 0 && w2 > w1)
		_, one := lineWith(lines, "• one")
		nested, n := lineWith(lines, "◦ nested")
		_, deep := lineWith(lines, "1. deep")
		check("bullets, nested further in", one > 0 && n == one+2 && deep == n+1 &&
			strings.Index(ansi.Strip(nested), "◦") > strings.Index(plain[one], "•") &&
			strings.Index(plain[deep], "1.") > strings.Index(ansi.Strip(nested), "◦"))
		_, third := lineWith(lines, "3. third")
		_, fourth := lineWith(lines, "4. fourth")
		check("numbers from the list's start", third > 0 && fourth == third+1)
		check("the quote behind a bar", strings.Contains(all, "│ quoted words"))
		check("a thematic break", strings.Contains(all, strings.Repeat("─", 40)))
		head, hi := lineWith(lines, "name")
		row, ri := lineWith(lines, "bigger.parquet")
		check("the table aligned under its header", hi > 0 && ri == hi+3 && strings.Contains(head, "\x1b[1mname") &&
			strings.Index(ansi.Strip(head), "│") == strings.Index(ansi.Strip(row), "│") &&
			strings.Contains(plain[hi+1], "┼") && !strings.Contains(all, "---"))
		def, _ := lineWith(lines, "def f(x):")
		check("the fenced code highlighted", strings.Contains(def, "def\x1b[m") && strings.Contains(def, "\x1b[1;38;2;"))
		_, ind := lineWith(lines, "indented")
		check("indented code kept as lines", ind > 0 && strings.TrimSpace(plain[ind+1]) == "code")
	}
}

func TestMarkdownHostileInput(t *testing.T) {
	md := "# Title &#27;]0;pwn&#7;\n\n" +
		"Text &#x1b;[2J and &#155;1;1H and &#x202e;gnp and \x1b[31mraw\n\n" +
		"[link \x1b]8;;x\x07](http://x.org/&#27;[2J \"t&#27;\") ![alt &#27;c](i.png)\n\n" +
		"```sh\necho \x1b[2J &#27;\n```\n\n| a&#27;[5m | b |\n|---|---|\n| &#27;[31m | \x1b |\n\n" +
		"<div>&#27;[2J \x1b]52;c;eA==\x07</div>\n"
	lines := markdownLines(t, context.Background(), md, 80, true)
	for i, l := range lines {
		rest := sgr.ReplaceAllString(l, "")
		if strings.ContainsAny(rest, "\x1b\x07\r\t\n\u009b\u202e") {
			t.Errorf("line %d has a control character besides colours: %q", i, l)
		}
		for _, m := range sgr.FindAllString(l, -1) {
			if strings.Contains(m, "[2J") || m == "\x1b[5m" || m == "\x1b[31m" {
				t.Errorf("line %d: the file's own sequence %q reached the screen", i, m)
			}
		}
	}
	all := ansi.Strip(strings.Join(lines, "\n"))
	for _, want := range []string{`Title \x1b]0;pwn\x07`, `Text \x1b[2J`, `\x9b1;1H`, `\u202egnp`, `\x1b[31mraw`, `echo \x1b[2J`} {
		if !strings.Contains(all, want) {
			t.Errorf("%q is not shown escaped in:\n%s", want, all)
		}
	}
}

func TestMarkdownIsBounded(t *testing.T) {
	for name, md := range map[string]string{
		"nested quotes":   strings.Repeat("> ", 20000) + "deep\n",
		"nested lists":    strings.Repeat("  ", 0) + nestedList(3000),
		"open brackets":   strings.Repeat("[", 60000),
		"emphasis":        strings.Repeat("*a _b ", 10000),
		"backticks":       strings.Repeat("`", 30000) + "x",
		"a long table":    "| a | b |\n|---|---|\n" + strings.Repeat("| 1 | 2 |\n", 6000),
		"one long line":   strings.Repeat("word ", 13000),
		"many references": strings.Repeat("[a]: http://x\n", 4000) + strings.Repeat("[a] ", 4000),
	} {
		start := time.Now()
		lines := markdownLines(t, context.Background(), md, 80, false)
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: %v", name, d)
		}
		if len(lines) == 0 {
			t.Errorf("%s: no lines", name)
		}
		for i, l := range lines {
			if ansi.StringWidth(l) > 80 {
				t.Errorf("%s: line %d too wide", name, i)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := &drawer{o: Options{Width: 80, Color: true}}
	if got := d.markdown(ctx, elements); got != elements {
		t.Errorf("a cancelled rendering went on: %q", got)
	}
}

func nestedList(depth int) string {
	var b strings.Builder
	for i := range depth {
		b.WriteString(strings.Repeat("  ", i) + "- item\n")
	}
	return b.String()
}

// BenchmarkStyledText draws the styled start of a Markdown file and of a
// Python file (8 KiB each), a new drawer each time as a preview does:
// the lexers are built again each time.
func BenchmarkStyledText(b *testing.B) {
	var md, py strings.Builder
	for md.Len() < styledBytes {
		md.WriteString(elements)
	}
	for i := 0; py.Len() < styledBytes; i++ {
		py.WriteString("def f(x):\n    \"\"\"Doc.\"\"\"\n    return [x + 1 for _ in range(10)]  # c\n\n")
	}
	for _, c := range []struct{ name, file, body string }{{"markdown", "a.md", md.String()}, {"python", "a.py", py.String()}} {
		s, err := content.Summarize(context.Background(), c.file, int64(len(c.body)), content.BytesRanger(c.body), 0)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				Lines(context.Background(), s, Options{Width: 80, Color: true, Dark: true})
			}
		})
	}
}
