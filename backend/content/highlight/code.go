package highlight

import (
	"strings"

	"github.com/alecthomas/chroma/v2"
)

// words is a pattern matching any of ws as a whole word. (chroma.Words
// sorts its argument in place; the tables here are never changed.)
func words(ws ...string) string {
	return `\b(?:` + strings.Join(ws, "|") + `)\b`
}

// fields splits a space-separated list of words.
func fields(s string) []string { return strings.Fields(s) }

// codeSpec describes a language of the C, script or shell families: what
// its comments, strings and words look like.
type codeSpec struct {
	first     []chroma.Rule // tried before all others: block comments that begin as a line comment does
	line      string        // line comment pattern: `//`, `#`, `--`
	block     bool          // /* … */ comments
	strs      []chroma.Rule // string literals, tried before anything else but comments
	keywords  string        // space-separated
	types     string
	constants string
	builtins  string
	decorator bool // @name is an attribute (Python, Java, TypeScript)
	preproc   bool // #include … lines (C, C++)
}

// Common string and number patterns.
var (
	dquote    = chroma.Rule{Pattern: `"(?:\\.|[^"\\\n])*"?`, Type: chroma.LiteralString}
	squote    = chroma.Rule{Pattern: `'(?:\\.|[^'\\\n])*'?`, Type: chroma.LiteralString}
	charLit   = chroma.Rule{Pattern: `'(?:\\.|[^'\\\n])'`, Type: chroma.LiteralStringChar}
	backquote = chroma.Rule{Pattern: "`[^`]*`?", Type: chroma.LiteralString}
	number    = chroma.Rule{Pattern: `\b(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)(?:[a-zA-Z_]\w*)?\b`, Type: chroma.LiteralNumber}
)

// codeRules builds the rules of a language from its spec.
func codeRules(s codeSpec) chroma.Rules {
	root := append([]chroma.Rule(nil), s.first...)
	if s.preproc {
		root = append(root, chroma.Rule{Pattern: `^[ \t]*#[ \t]*[a-z]+[^\n]*`, Type: chroma.CommentPreproc})
	}
	if s.block {
		root = append(root, chroma.Rule{Pattern: `/\*[\s\S]*?(?:\*/|\z)`, Type: chroma.CommentMultiline})
	}
	if s.line != "" {
		root = append(root, chroma.Rule{Pattern: s.line + `[^\n]*`, Type: chroma.CommentSingle})
	}
	root = append(root, s.strs...)
	if s.decorator {
		root = append(root, chroma.Rule{Pattern: `@[A-Za-z_][\w.]*`, Type: chroma.NameDecorator})
	}
	for _, w := range []struct {
		list string
		tok  chroma.TokenType
	}{{s.keywords, chroma.Keyword}, {s.types, chroma.KeywordType}, {s.constants, chroma.KeywordConstant}, {s.builtins, chroma.NameBuiltin}} {
		if w.list != "" {
			root = append(root, chroma.Rule{Pattern: words(fields(w.list)...), Type: w.tok})
		}
	}
	root = append(root,
		number,
		chroma.Rule{Pattern: `[A-Za-z_$][\w$]*(?=\s*\()`, Type: chroma.NameFunction},
		chroma.Rule{Pattern: `[A-Za-z_$][\w$]*`, Type: chroma.Name},
		chroma.Rule{Pattern: `\s+`, Type: chroma.TextWhitespace},
		chroma.Rule{Pattern: `[-+*/%=<>!&|^~?:.@\\]+`, Type: chroma.Operator},
		chroma.Rule{Pattern: `[()\[\]{},;]`, Type: chroma.Punctuation},
		chroma.Rule{Pattern: `.`, Type: chroma.Text},
	)
	return chroma.Rules{"root": root}
}

func goRules() chroma.Rules {
	return codeRules(codeSpec{line: `//`, block: true, strs: []chroma.Rule{dquote, backquote, charLit},
		keywords:  "break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var",
		types:     "any bool byte comparable complex64 complex128 error float32 float64 int int8 int16 int32 int64 rune string uint uint8 uint16 uint32 uint64 uintptr",
		constants: "true false nil iota",
		builtins:  "append cap clear close complex copy delete imag len make max min new panic print println real recover",
	})
}

// cFamily are the keywords C, C++ and Java share.
const cFamily = "break case continue default do else for goto if return switch while"

func cRules() chroma.Rules {
	return codeRules(codeSpec{line: `//`, block: true, preproc: true, strs: []chroma.Rule{dquote, charLit},
		keywords:  cFamily + " auto const enum extern inline register restrict sizeof static struct typedef union volatile _Alignas _Alignof _Atomic _Generic _Noreturn _Static_assert _Thread_local",
		types:     "char double float int long short signed unsigned void bool size_t ssize_t ptrdiff_t int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t FILE",
		constants: "NULL true false",
	})
}

func cppRules() chroma.Rules {
	return codeRules(codeSpec{line: `//`, block: true, preproc: true, strs: []chroma.Rule{{Pattern: `R"([^(\s]*)\([\s\S]*?\)\1"`, Type: chroma.LiteralString}, dquote, charLit},
		keywords:  cFamily + " alignas alignof asm catch class concept consteval constexpr constinit const const_cast co_await co_return co_yield decltype delete dynamic_cast enum explicit export extern friend inline mutable namespace new noexcept operator override final private protected public reinterpret_cast requires sizeof static static_assert static_cast struct template this throw try typedef typeid typename union using virtual volatile",
		types:     "auto bool char char8_t char16_t char32_t double float int long short signed unsigned void wchar_t size_t std string vector map",
		constants: "nullptr NULL true false",
	})
}

func javaRules() chroma.Rules {
	return codeRules(codeSpec{line: `//`, block: true, decorator: true, strs: []chroma.Rule{{Pattern: `"""[\s\S]*?(?:"""|\z)`, Type: chroma.LiteralString}, dquote, charLit},
		keywords:  cFamily + " abstract assert catch class enum extends final finally implements import instanceof interface native new package permits private protected public record sealed static strictfp super synchronized this throw throws transient try var volatile yield",
		types:     "boolean byte char double float int long short void String Object Integer Long Double Boolean List Map",
		constants: "true false null",
	})
}

// jsKeywords are JavaScript's, which TypeScript adds to.
const jsKeywords = "async await break case catch class const continue debugger default delete do else export extends finally for from function get if import in instanceof let new of return set static super switch this throw try typeof var void while with yield"

// template is a JavaScript template literal, ${…} included.
var template = chroma.Rule{Pattern: "`(?:\\\\.|[^`\\\\])*`?", Type: chroma.LiteralStringBacktick}

func javascriptRules() chroma.Rules {
	return codeRules(codeSpec{line: `//`, block: true, strs: []chroma.Rule{dquote, squote, template},
		keywords: jsKeywords, constants: "true false null undefined NaN Infinity",
		builtins: "Array Boolean Date Error JSON Map Math Number Object Promise RegExp Set String Symbol console document window require module exports",
	})
}

func typescriptRules() chroma.Rules {
	return codeRules(codeSpec{line: `//`, block: true, decorator: true, strs: []chroma.Rule{dquote, squote, template},
		keywords:  jsKeywords + " abstract as declare enum implements interface is keyof namespace private protected public readonly satisfies type",
		types:     "any bigint boolean never number object string symbol unknown void",
		constants: "true false null undefined NaN Infinity",
		builtins:  "Array Date Error JSON Map Math Object Promise Record Partial Readonly Set console",
	})
}

func rustRules() chroma.Rules {
	return codeRules(codeSpec{line: `//`, block: true, strs: []chroma.Rule{{Pattern: `r(#*)"[\s\S]*?"\1`, Type: chroma.LiteralString}, {Pattern: `b?"(?:\\.|[^"\\])*"?`, Type: chroma.LiteralString}, {Pattern: `b?'(?:\\.|[^'\\\n])'`, Type: chroma.LiteralStringChar}, {Pattern: `'[A-Za-z_]\w*`, Type: chroma.NameLabel}, {Pattern: `#!?\[[^\]\n]*\]?`, Type: chroma.NameAttribute}},
		keywords:  "as async await break const continue crate dyn else enum extern fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait type unsafe use where while",
		types:     "bool char f32 f64 i8 i16 i32 i64 i128 isize str u8 u16 u32 u64 u128 usize String Vec Option Result Box",
		constants: "true false None Some Ok Err",
	})
}

func pythonRules() chroma.Rules {
	return codeRules(codeSpec{line: `#`, decorator: true, strs: []chroma.Rule{
		{Pattern: `(?i:[rbuf]{0,2})"""[\s\S]*?(?:"""|\z)`, Type: chroma.LiteralStringDoc},
		{Pattern: `(?i:[rbuf]{0,2})'''[\s\S]*?(?:'''|\z)`, Type: chroma.LiteralStringDoc},
		{Pattern: `(?i:[rbuf]{0,2})"(?:\\.|[^"\\\n])*"?`, Type: chroma.LiteralString},
		{Pattern: `(?i:[rbuf]{0,2})'(?:\\.|[^'\\\n])*'?`, Type: chroma.LiteralString},
	},
		keywords:  "and as assert async await break class continue def del elif else except finally for from global if import in is lambda match case nonlocal not or pass raise return try while with yield",
		constants: "True False None NotImplemented Ellipsis",
		builtins:  "abs all any bool bytes dict enumerate filter float format getattr hasattr int isinstance len list map max min next object open print range repr reversed round set sorted str sum super tuple type zip self cls",
	})
}

func rRules() chroma.Rules {
	return codeRules(codeSpec{line: `#`, strs: []chroma.Rule{dquote, squote, backquote},
		keywords:  "if else repeat while function for in next break return switch library require source",
		constants: "TRUE FALSE NULL NA NaN Inf NA_integer_ NA_real_ NA_character_ T F",
		builtins:  "c list data.frame vector matrix length names print paste paste0 cat sum mean median sd seq rep apply lapply sapply read.csv write.csv head tail nrow ncol subset merge factor",
	})
}

func sqlRules() chroma.Rules {
	return codeRules(codeSpec{line: `--`, block: true, strs: []chroma.Rule{squote, {Pattern: `"(?:""|[^"])*"?`, Type: chroma.Name}},
		keywords:  "select from where and or not in is as join inner outer left right full cross on using group by order having limit offset union all distinct insert into values update set delete create table view index drop alter add column primary key foreign references unique check default with recursive case when then else end exists between like ilike asc desc returning begin commit rollback transaction grant revoke if replace cast over partition window filter",
		types:     "int integer bigint smallint numeric decimal real double precision float char varchar text boolean date time timestamp timestamptz interval json jsonb uuid blob bytea serial",
		constants: "null true false",
		builtins:  "count sum avg min max coalesce nullif now lower upper length substring trim round abs row_number rank dense_rank lag lead",
	})
}
