package highlight

import (
	"context"
	"image/color"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/chroma/v2"

	"github.com/coopterm/coop/themes"
)

// samples holds a small file per language, and words of it that must
// come out coloured.
var samples = map[string]struct {
	file, body string
	coloured   []string
}{
	"JSON":            {"a.json", `{"name": "ridge", "n": 3, "ok": true, "x": null}`, []string{`"name"`, `"ridge"`, "3", "true"}},
	"YAML":            {"a.yaml", "# config\nname: ridge\nitems:\n  - 3\n  - \"two\"\nok: true\n", []string{"# config", "name", "3", `"two"`, "true"}},
	"TOML":            {"Cargo.toml", "[package]\nname = \"coop\" # the name\nversion = 3\nwhen = 2024-05-06\n", []string{"[package]", "name", `"coop"`, "# the name", "3", "2024-05-06"}},
	"INI":             {"setup.cfg", "; comment\n[metadata]\nname = coop\n", []string{"; comment", "[metadata]", "name", "coop"}},
	"Markdown":        {"a.md", "# Title\n\nsome `code` and **bold**\n", []string{"# Title", "`code`", "**bold**"}},
	"Python":          {"setup.py", "import os\n\n@dataclass\ndef f(x):\n    \"\"\"Doc.\"\"\"\n    return x + 1  # one\n", []string{"import", "@dataclass", "def", "f", `"""Doc."""`, "return", "1", "# one"}},
	"R":               {"model.R", "# fit\nx <- c(1, 2)\nif (TRUE) print(\"a\")\n", []string{"# fit", "c", "1", "if", "TRUE", `"a"`}},
	"SQL":             {"q.sql", "-- all\nSELECT name, count(*) FROM t WHERE x = 'a' AND n > 3;\n", []string{"-- all", "SELECT", "FROM", "count", "'a'", "3"}},
	"Bash":            {"run.sh", "#!/bin/sh\n# go\nfor f in *.csv; do echo \"$f\" $HOME; done\n", []string{"# go", "for", "echo", "$HOME", "done"}},
	"Go":              {"main.go", "package main\n\n// hi\nfunc main() { x := 1; println(\"a\", nil) }\n", []string{"package", "// hi", "func", "main", "1", "println", `"a"`, "nil"}},
	"JavaScript":      {"app.js", "const x = `t` + 'a'; // c\nfunction f() { return null }\n", []string{"const", "`t`", "'a'", "// c", "function", "f", "return", "null"}},
	"TypeScript":      {"app.ts", "interface A { n: number }\nlet s: string = \"a\"; /* c */\n", []string{"interface", "number", "let", "string", `"a"`, "/* c */"}},
	"Rust":            {"lib.rs", "#[derive(Debug)]\nfn main() { let s: &str = \"a\"; let n = 3u8; }\n", []string{"#[derive(Debug)]", "fn", "let", "str", `"a"`, "3u8"}},
	"C":               {"a.c", "#include <stdio.h>\nint main(void) { return 0; } /* c */\n", []string{"#include <stdio.h>", "int", "return", "0", "/* c */"}},
	"C++":             {"a.cpp", "#include <vector>\nclass A { public: auto f() -> int { return nullptr == 0; } };\n", []string{"#include <vector>", "class", "public", "auto", "int", "nullptr"}},
	"Java":            {"A.java", "@Override\npublic class A { String s = \"a\"; int n = 3; }\n", []string{"@Override", "public", "class", "String", `"a"`, "int", "3"}},
	"HTML":            {"i.html", "<!-- c -->\n<a href=\"x\">link &amp; more</a>\n", []string{"<!-- c -->", "<a", "href", `"x"`, "&amp;", "</a>"}},
	"XML":             {"a.xml", "<?xml version=\"1.0\"?>\n<root id='1'><![CDATA[x]]></root>\n", []string{`<?xml version="1.0"?>`, "<root", "id", "'1'", "<![CDATA[x]]>"}},
	"CSS":             {"a.css", "/* c */\n.box #id a:hover { color: #fff; margin: 2px; }\n@media print {}\n", []string{"/* c */", ".box", "#id", "color", "#fff", "2px", "@media"}},
	"Docker":          {"Dockerfile", "# base\nFROM golang:1.26 AS build\nRUN go build -o /x \"$DIR\"\n", []string{"# base", "FROM", "AS", "RUN", `"$DIR"`}},
	"Makefile":        {"Makefile", "# build\nGO ?= go\nall: build\n\t$(GO) build ./...\n", []string{"# build", "GO", "all", "$(GO)"}},
	"Julia":           {"fit.jl", "#= block =#\nfunction f(x::Int64)\n    return x + 1 # one\nend\n", []string{"#= block =#", "function", "f", "Int64", "return", "1", "# one", "end"}},
	"Fortran":         {"model.f90", "program main\n  implicit none\n  INTEGER :: n = 3 ! three\n  print *, 'hi'\nend program\n", []string{"program", "implicit", "none", "INTEGER", "3", "! three", "print", "'hi'"}},
	"MATLAB":          {"plot.m", "%{\nblock\n%}\nx = zeros(3); % z\ny = x';\ndisp('a')\n", []string{"%{", "block", "%}", "zeros", "3", "% z", "disp", "'a'"}},
	"TeX":             {"paper.tex", "% c\n\\section{Intro}\n\\begin{equation} $x^2$ \\end{equation}\n", []string{"% c", "\\section", "\\begin", "$x^2$", "\\end"}},
	"Ruby":            {"app.rb", "# c\ndef f(x) = x + 1\nputs :sym, @v, \"s\", nil\n", []string{"# c", "def", "puts", ":sym", "@v", `"s"`, "nil"}},
	"Lua":             {"init.lua", "--[[ block ]]\nlocal x = 1 -- one\nprint(\"a\", nil)\n", []string{"--[[ block ]]", "local", "1", "-- one", "print", `"a"`, "nil"}},
	"Kotlin":          {"App.kt", "@JvmStatic\nfun main() { val s: String = \"a\"; println(null) }\n", []string{"@JvmStatic", "fun", "val", "String", `"a"`, "null"}},
	"Swift":           {"App.swift", "import Foundation\nlet x: Int = 1 // one\nfunc f() -> String { return \"a\" }\n", []string{"import", "let", "Int", "1", "// one", "func", "String", `"a"`}},
	"Scala":           {"App.scala", "object Main { def f(x: Int): Option[Int] = Some(x) } // c\n", []string{"object", "def", "Int", "Option", "Some", "// c"}},
	"Protocol Buffer": {"a.proto", "syntax = \"proto3\";\nmessage A { repeated string n = 1; } // c\n", []string{"syntax", `"proto3"`, "message", "repeated", "string", "1", "// c"}},
	"Terraform":       {"main.tf", "# c\nresource \"aws_s3_bucket\" \"b\" {\n  count = 2\n  force = true\n}\n", []string{"# c", "resource", `"aws_s3_bucket"`, "count", "2", "true"}},
	"CMake":           {"CMakeLists.txt", "# c\ncmake_minimum_required(VERSION 3.20)\nif(WIN32)\nset(X ${Y} ON)\nendif()\n", []string{"# c", "cmake_minimum_required", "if", "set", "${Y}", "ON", "endif"}},
}

// sgrSeq matches what Highlight may add.
var sgrSeq = regexp.MustCompile("\x1b\\[[0-9;]*m")

// coloured lists the runs of text that come out with a colour.
func colouredRuns(out string) []string {
	var runs []string
	for _, m := range regexp.MustCompile("\x1b\\[[0-9;]+m([^\x1b]*)\x1b\\[m").FindAllStringSubmatch(out, -1) {
		runs = append(runs, m[1])
	}
	return runs
}

func TestEveryLanguageColoursItsTokens(t *testing.T) {
	h := New()
	for _, l := range languages {
		s, ok := samples[l.name]
		if !ok {
			t.Errorf("no sample for %s", l.name)
			continue
		}
		if got := Match(s.file); got != l.name {
			t.Errorf("Match(%q) = %q, want %q", s.file, got, l.name)
		}
		for _, dark := range []bool{false, true} {
			out, ok := h.Highlight(context.Background(), s.body, l.name, dark)
			if !ok {
				t.Errorf("%s: not highlighted", l.name)
				continue
			}
			if plain := sgrSeq.ReplaceAllString(out, ""); plain != s.body {
				t.Errorf("%s: the text changed:\n%q\nwant\n%q", l.name, plain, s.body)
			}
			runs := strings.Join(colouredRuns(out), "\x00")
			for _, w := range s.coloured {
				if !strings.Contains("\x00"+runs+"\x00", "\x00"+w+"\x00") {
					t.Errorf("%s dark %v: %q is not one coloured token; coloured: %q", l.name, dark, w, colouredRuns(out))
				}
			}
			for i, line := range strings.Split(out, "\n") {
				if strings.Count(line, "\x1b[m") != strings.Count(line, "\x1b[")-strings.Count(line, "\x1b[m") {
					t.Errorf("%s: line %d leaves a style open: %q", l.name, i, line)
				}
			}
		}
	}
}

func TestMatchAndNames(t *testing.T) {
	for name, want := range map[string]string{
		"dir/Makefile": "Makefile", "GNUmakefile": "Makefile", "Dockerfile.dev": "Docker", "x.DOCKERFILE": "Docker",
		"analysis.r": "R", "a.PY": "Python", "notes.txt": "", "data.bin": "", "x.tsx": "TypeScript", "a.hpp": "C++",
	} {
		if got := Match(name); got != want {
			t.Errorf("Match(%q) = %q, want %q", name, got, want)
		}
	}
	for alias, want := range map[string]string{"py": "Python", "sh": "Bash", "golang": "Go", "c++": "C++", "YML": "YAML", "cobol": ""} {
		if got := Name(alias); got != want {
			t.Errorf("Name(%q) = %q, want %q", alias, got, want)
		}
	}
}

func TestUnknownLanguageIsLeftAlone(t *testing.T) {
	if out, ok := New().Highlight(context.Background(), "x", "cobol", true); ok || out != "x" {
		t.Errorf("Highlight of an unknown language = %q, %v", out, ok)
	}
}

func TestHighlightStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	body := strings.Repeat("x := 1\n", 2000)
	if out, ok := New().Highlight(ctx, body, "Go", false); ok || out != body {
		t.Error("a cancelled highlight went on")
	}
}

// TestPathologicalInputEnds feeds every lexer what makes regular
// expressions backtrack or states nest: it must end, quickly, with the
// text unchanged.
func TestPathologicalInputEnds(t *testing.T) {
	h := New()
	inputs := []string{
		strings.Repeat(`"\`, 600), strings.Repeat("/*", 600), strings.Repeat("<a ", 500),
		strings.Repeat("{", 1200), strings.Repeat("a: ", 500) + "\n", strings.Repeat("'''", 400),
		strings.Repeat("$(", 600), strings.Repeat("\"${", 500), strings.Repeat("x", 1200),
	}
	for _, l := range languages {
		for _, in := range inputs {
			start := time.Now()
			out, ok := h.Highlight(context.Background(), in, l.name, true)
			if ok && sgrSeq.ReplaceAllString(out, "") != in {
				t.Errorf("%s: the text changed", l.name)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("%s: %d bytes took %v", l.name, len(in), d)
			}
		}
	}
}

func TestPaletteContrast(t *testing.T) {
	for _, c := range []struct {
		theme string
		p     palette
	}{{"dark", darkPalette}, {"light", lightPalette}} {
		th, err := themes.Get(c.theme)
		if err != nil {
			t.Fatal(err)
		}
		for _, hex := range c.p.colours() {
			col := chroma.MustParseColour(hex)
			rgb := color.RGBA{R: col.Red(), G: col.Green(), B: col.Blue(), A: 0xff}
			if r := themes.Contrast(rgb, th.Background); r < themes.MinTextContrast {
				t.Errorf("%s: %s has a contrast of %.2f against %v, under %.1f", c.theme, hex, r, th.Background, themes.MinTextContrast)
			}
		}
	}
}
