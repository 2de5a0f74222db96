package highlight

import "github.com/alecthomas/chroma/v2"

// The rules of the data and configuration formats, and of the languages
// that do not fit codeSpec.

// ws, rest and any are the rules most states end with.
var (
	ws   = chroma.Rule{Pattern: `\s+`, Type: chroma.TextWhitespace}
	text = chroma.Rule{Pattern: `[\w\-.]+|.`, Type: chroma.Text}
)

func jsonRules() chroma.Rules {
	return chroma.Rules{"root": {
		{Pattern: `"(?:\\.|[^"\\\n])*"(?=\s*:)`, Type: chroma.NameTag},
		{Pattern: `"(?:\\.|[^"\\\n])*"?`, Type: chroma.LiteralString},
		{Pattern: `-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?`, Type: chroma.LiteralNumber},
		{Pattern: words("true", "false", "null"), Type: chroma.KeywordConstant},
		{Pattern: `[{}\[\],:]`, Type: chroma.Punctuation},
		ws, text,
	}}
}

func yamlRules() chroma.Rules {
	return chroma.Rules{"root": {
		{Pattern: `(^|\s)#[^\n]*`, Type: chroma.CommentSingle},
		{Pattern: `^(?:---|\.\.\.)(?=\s|$)`, Type: chroma.NameNamespace},
		{Pattern: `^(\s*)((?:-\s+)*)([^\s#'"\-{\[][^#\n]*?|"(?:\\.|[^"\\\n])*"|'[^'\n]*')(\s*:)(?=\s|$)`,
			Type: chroma.ByGroups(chroma.TextWhitespace, chroma.Punctuation, chroma.NameTag, chroma.Punctuation)},
		{Pattern: `"(?:\\.|[^"\\\n])*"?|'(?:''|[^'\n])*'?`, Type: chroma.LiteralString},
		{Pattern: `[&*][\w-]+`, Type: chroma.NameLabel},
		{Pattern: `!![\w/]+|![\w/]*`, Type: chroma.KeywordType},
		{Pattern: `(?<=[\s:\-\[,]|^)(?:true|false|yes|no|on|off|null|True|False|Null|NULL|~)(?=\s*(?:$|#|,|\]|\}))`, Type: chroma.KeywordConstant},
		{Pattern: `(?<=[\s:\-\[,]|^)[-+]?(?:\d[\d_]*(?:\.\d*)?(?:[eE][+-]?\d+)?|\.inf|\.nan)(?=\s*(?:$|#|,|\]|\}))`, Type: chroma.LiteralNumber},
		{Pattern: `[|>][-+]?\d*(?=\s*$)`, Type: chroma.Punctuation},
		{Pattern: `^\s*-(?=\s|$)|[{}\[\],]`, Type: chroma.Punctuation},
		ws,
		{Pattern: `[^\s#,\[\]{}]+|.`, Type: chroma.LiteralString},
	}}
}

func tomlRules() chroma.Rules {
	return chroma.Rules{"root": {
		{Pattern: `#[^\n]*`, Type: chroma.CommentSingle},
		{Pattern: `^\s*\[\[?[^\]\n]*\]\]?`, Type: chroma.NameNamespace},
		{Pattern: `"""[\s\S]*?(?:"""|\z)|'''[\s\S]*?(?:'''|\z)`, Type: chroma.LiteralString},
		{Pattern: `(?:[A-Za-z0-9_\-]+|"(?:\\.|[^"\\\n])*"|'[^'\n]*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"(?:\\.|[^"\\\n])*"|'[^'\n]*'))*(?=\s*=)`, Type: chroma.NameAttribute},
		{Pattern: `"(?:\\.|[^"\\\n])*"?|'[^'\n]*'?`, Type: chroma.LiteralString},
		{Pattern: `\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?)?|\d{2}:\d{2}:\d{2}(?:\.\d+)?`, Type: chroma.LiteralDate},
		{Pattern: `[+-]?(?:0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|\d[\d_]*(?:\.[\d_]+)?(?:[eE][+-]?\d+)?|inf|nan)\b`, Type: chroma.LiteralNumber},
		{Pattern: words("true", "false"), Type: chroma.KeywordConstant},
		{Pattern: `[=\[\]{},.]`, Type: chroma.Punctuation},
		ws, text,
	}}
}

func iniRules() chroma.Rules {
	return chroma.Rules{"root": {
		{Pattern: `^\s*[;#][^\n]*`, Type: chroma.CommentSingle},
		{Pattern: `^\s*\[[^\]\n]*\]`, Type: chroma.NameNamespace},
		{Pattern: `^(\s*)([^=:\n;#]+?)(\s*[=:]\s*)([^\n]*)`,
			Type: chroma.ByGroups(chroma.TextWhitespace, chroma.NameAttribute, chroma.Punctuation, chroma.LiteralString)},
		ws, text,
	}}
}

func markdownRules() chroma.Rules {
	return chroma.Rules{"root": {
		{Pattern: `^#{1,6}[ \t][^\n]*`, Type: chroma.GenericHeading},
		{Pattern: "^(```|~~~)[^\\n]*\\n[\\s\\S]*?(?:^\\1[ \\t]*$|\\z)", Type: chroma.LiteralStringBacktick},
		{Pattern: "`[^`\\n]+`", Type: chroma.LiteralStringBacktick},
		{Pattern: `^\s*(?:[-*+]|\d+[.)])(?=\s)`, Type: chroma.Keyword},
		{Pattern: `^\s*>`, Type: chroma.Keyword},
		{Pattern: `\*\*[^*\n]+\*\*|__[^_\n]+__`, Type: chroma.GenericStrong},
		{Pattern: `\*[^*\n]+\*|\b_[^_\n]+_\b`, Type: chroma.GenericEmph},
		{Pattern: `!?\[[^\]\n]*\]\([^)\n]*\)`, Type: chroma.NameAttribute},
		ws, {Pattern: `[^\s*_\x60\[!]+|.`, Type: chroma.Text},
	}}
}

func shellRules() chroma.Rules {
	return chroma.Rules{
		"root": {
			{Pattern: `(^|(?<=\s|;))#[^\n]*`, Type: chroma.CommentSingle},
			{Pattern: `'[^']*'?`, Type: chroma.LiteralStringSingle},
			{Pattern: `"`, Type: chroma.LiteralStringDouble, Mutator: chroma.Push("dq")},
			{Pattern: `\$\(\(|\$\(|\$\{[^}\n]*\}?|\$\w+|\$[@*#?$!\-]`, Type: chroma.NameVariable},
			{Pattern: `<<-?\s*['"]?(\w+)['"]?\n[\s\S]*?(?:^\s*\1$|\z)`, Type: chroma.LiteralString},
			{Pattern: words(fields("if then else elif fi for in do done while until case esac function return select time local export declare readonly unset break continue exit")...), Type: chroma.Keyword},
			{Pattern: words(fields("echo printf cd pwd read source eval exec set shift test trap wait cat grep sed awk find xargs sort uniq head tail cut tr mkdir rm cp mv ls chmod chown curl wget tar git python pip conda aws make go")...), Type: chroma.NameBuiltin},
			{Pattern: `[A-Za-z_]\w*(?==)`, Type: chroma.NameVariable},
			{Pattern: `(?<=\s|^)-{1,2}[\w-]+`, Type: chroma.NameAttribute},
			{Pattern: `\b\d+\b`, Type: chroma.LiteralNumber},
			{Pattern: `[|&;<>()]+|\[\[?|\]\]?|[{}]`, Type: chroma.Operator},
			ws, {Pattern: `\\.|[^\s$'"|&;<>()\[\]{}\\#]+|.`, Type: chroma.Text},
		},
		"dq": {
			{Pattern: `"`, Type: chroma.LiteralStringDouble, Mutator: chroma.Pop(1)},
			{Pattern: `\$\{[^}\n]*\}?|\$\(|\$\w+|\$[@*#?$!\-]`, Type: chroma.NameVariable},
			{Pattern: `\\.|[^"\\$]+|\$`, Type: chroma.LiteralStringDouble},
		},
	}
}

func dockerRules() chroma.Rules {
	return chroma.Rules{"root": {
		{Pattern: `^\s*#[^\n]*`, Type: chroma.CommentSingle},
		{Pattern: `(?i)^\s*(?:from|run|cmd|label|maintainer|expose|env|add|copy|entrypoint|volume|user|workdir|arg|onbuild|stopsignal|healthcheck|shell)\b`, Type: chroma.Keyword},
		{Pattern: `(?i)\bas\b`, Type: chroma.Keyword},
		{Pattern: `"(?:\\.|[^"\\\n])*"?|'[^'\n]*'?`, Type: chroma.LiteralString},
		{Pattern: `\$\{[^}\n]*\}?|\$\w+`, Type: chroma.NameVariable},
		{Pattern: `(?<=\s)--[\w-]+`, Type: chroma.NameAttribute},
		{Pattern: `[\[\],=\\&|;]`, Type: chroma.Punctuation},
		ws, {Pattern: `[^\s"'$\[\],=\\&|;]+|.`, Type: chroma.Text},
	}}
}

func makeRules() chroma.Rules {
	return chroma.Rules{"root": {
		{Pattern: `(^|(?<=\s))#[^\n]*`, Type: chroma.CommentSingle},
		{Pattern: `^-?(?:include|sinclude|ifeq|ifneq|ifdef|ifndef|else|endif|define|endef|export|unexport|override|vpath)\b`, Type: chroma.Keyword},
		{Pattern: `^[\w.\-/$(){}% ]+?(?=\s*(?:[:+?!]?=|::?=))`, Type: chroma.NameVariable},
		{Pattern: `^[^\s:=#][^:=#\n]*?(?=::?(?:[^=]|$))`, Type: chroma.NameFunction},
		{Pattern: `\$\([^)\n]*\)?|\$\{[^}\n]*\}?|\$[@<^?*%+|$]`, Type: chroma.NameVariable},
		{Pattern: `"(?:\\.|[^"\\\n])*"?|'[^'\n]*'?`, Type: chroma.LiteralString},
		{Pattern: `[:=+?!|;]+`, Type: chroma.Operator},
		ws, {Pattern: `[^\s$"'#:=+?!|;]+|.`, Type: chroma.Text},
	}}
}

func markupRules() chroma.Rules {
	return chroma.Rules{
		"root": {
			{Pattern: `<!--[\s\S]*?(?:-->|\z)`, Type: chroma.CommentMultiline},
			{Pattern: `<!\[CDATA\[[\s\S]*?(?:\]\]>|\z)`, Type: chroma.CommentPreproc},
			{Pattern: `<[?!][^>]*>?`, Type: chroma.CommentPreproc},
			{Pattern: `</?[\w:.\-]+`, Type: chroma.NameTag, Mutator: chroma.Push("tag")},
			{Pattern: `&[#\w]+;`, Type: chroma.NameEntity},
			{Pattern: `[^<&]+|.`, Type: chroma.Text},
		},
		"tag": {
			ws,
			{Pattern: `/?>`, Type: chroma.NameTag, Mutator: chroma.Pop(1)},
			{Pattern: `[\w:.\-@]+`, Type: chroma.NameAttribute},
			{Pattern: `=`, Type: chroma.Operator},
			{Pattern: `"[^"]*"?|'[^']*'?`, Type: chroma.LiteralString},
			{Pattern: `[^\s/>]+|.`, Type: chroma.Text},
		},
	}
}

func cssRules() chroma.Rules {
	comment := chroma.Rule{Pattern: `/\*[\s\S]*?(?:\*/|\z)`, Type: chroma.CommentMultiline}
	str := chroma.Rule{Pattern: `"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?`, Type: chroma.LiteralString}
	return chroma.Rules{
		"root": {
			comment, str,
			{Pattern: `@[\w-]+`, Type: chroma.Keyword},
			{Pattern: `\{`, Type: chroma.Punctuation, Mutator: chroma.Push("block")},
			{Pattern: `\}`, Type: chroma.Punctuation},
			{Pattern: `[.#][\w-]+`, Type: chroma.NameClass},
			{Pattern: `::?[\w-]+`, Type: chroma.NameDecorator},
			{Pattern: `[\w-]+`, Type: chroma.NameTag},
			ws, {Pattern: `.`, Type: chroma.Punctuation},
		},
		"block": {
			comment, str,
			{Pattern: `\{`, Type: chroma.Punctuation, Mutator: chroma.Push("block")},
			{Pattern: `\}`, Type: chroma.Punctuation, Mutator: chroma.Pop(1)},
			{Pattern: `--[\w-]+|[\w-]+(?=\s*:)`, Type: chroma.NameAttribute},
			{Pattern: `#[0-9a-fA-F]{3,8}\b`, Type: chroma.LiteralNumberHex},
			{Pattern: `[-+]?(?:\d+\.?\d*|\.\d+)(?:%|[a-zA-Z]+)?`, Type: chroma.LiteralNumber},
			{Pattern: `!important\b`, Type: chroma.Keyword},
			{Pattern: `[\w-]+(?=\()`, Type: chroma.NameFunction},
			{Pattern: `[\w-]+`, Type: chroma.Name},
			ws, {Pattern: `.`, Type: chroma.Punctuation},
		},
	}
}
