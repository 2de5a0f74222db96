package highlight

import "github.com/alecthomas/chroma/v2"

// The languages of scientific code and of the other tools data
// repositories hold, beyond the common ones.

func juliaRules() chroma.Rules {
	return codeRules(codeSpec{first: []chroma.Rule{{Pattern: `#=[\s\S]*?(?:=#|\z)`, Type: chroma.CommentMultiline}}, line: `#`, strs: []chroma.Rule{
		{Pattern: `"""[\s\S]*?(?:"""|\z)`, Type: chroma.LiteralString}, dquote, charLit,
		{Pattern: `:[A-Za-z_]\w*`, Type: chroma.LiteralStringSymbol},
	},
		keywords:  "abstract baremodule begin break catch const continue do else elseif end export finally for function global if import let local macro module mutable primitive quote return struct try type using where while",
		types:     "Any Bool Char Float16 Float32 Float64 Int Int8 Int16 Int32 Int64 Integer Nothing Number Real String Symbol UInt UInt8 Vector Matrix Array Dict Tuple",
		constants: "true false nothing missing NaN Inf",
		builtins:  "println print length size zeros ones collect map filter push! append! sum maximum minimum typeof",
	})
}

func fortranRules() chroma.Rules {
	return codeRules(codeSpec{line: `!`, strs: []chroma.Rule{dquote, squote, {Pattern: `\.(?:true|false|and|or|not|eq|ne|lt|le|gt|ge|eqv|neqv)\.`, Type: chroma.Operator}},
		keywords: "program end module contains subroutine function call use implicit none if then else elseif endif do enddo while select case stop return allocate deallocate intent in out inout parameter dimension allocatable pointer target save interface type print write read open close format result recursive pure elemental where forall exit cycle",
		types:    "integer real double precision complex logical character",
		builtins: "abs sqrt exp log sin cos tan size shape sum maxval minval matmul transpose allocated present len trim adjustl",
	})
}

func matlabRules() chroma.Rules {
	return codeRules(codeSpec{first: []chroma.Rule{{Pattern: `%\{[\s\S]*?(?:%\}|\z)`, Type: chroma.CommentMultiline}}, line: `%`, strs: []chroma.Rule{dquote, {Pattern: `(?<![\w)\]}.'])'[^'\n]*'`, Type: chroma.LiteralString}},
		keywords:  "break case catch classdef continue else elseif end for function global if otherwise parfor persistent return switch try while",
		constants: "true false pi Inf NaN eps",
		builtins:  "disp fprintf sprintf zeros ones size length numel plot figure hold load save mean sum max min abs sqrt",
	})
}

func rubyRules() chroma.Rules {
	return codeRules(codeSpec{line: `#`, strs: []chroma.Rule{dquote, squote, {Pattern: `:[A-Za-z_]\w*[?!]?`, Type: chroma.LiteralStringSymbol}, {Pattern: `@{1,2}\w+|\$\w+`, Type: chroma.NameVariable}},
		keywords:  "alias and begin break case class def defined do else elsif end ensure for if in module next not or redo rescue retry return self super then undef unless until when while yield require require_relative include extend attr_accessor attr_reader private protected public",
		constants: "true false nil",
		builtins:  "puts print p raise lambda proc loop",
	})
}

func luaRules() chroma.Rules {
	return codeRules(codeSpec{first: []chroma.Rule{{Pattern: `--\[(=*)\[[\s\S]*?\]\1\]`, Type: chroma.CommentMultiline}}, line: `--`, strs: []chroma.Rule{{Pattern: `\[(=*)\[[\s\S]*?\]\1\]`, Type: chroma.LiteralString}, dquote, squote},
		keywords:  "and break do else elseif end for function goto if in local not or repeat return then until while",
		constants: "true false nil",
		builtins:  "print pairs ipairs require type tostring tonumber table string math os io error assert pcall setmetatable",
	})
}

func kotlinRules() chroma.Rules {
	return codeRules(codeSpec{line: `//`, block: true, decorator: true, strs: []chroma.Rule{{Pattern: `"""[\s\S]*?(?:"""|\z)`, Type: chroma.LiteralString}, dquote, charLit},
		keywords:  "as break by class companion constructor continue data do else enum fun for if import in init interface internal is lateinit object open override package private protected public return sealed super suspend this throw try typealias val var when while",
		types:     "Any Boolean Byte Char Double Float Int Long Short String Unit List Map Set Array",
		constants: "true false null",
	})
}

func swiftRules() chroma.Rules {
	return codeRules(codeSpec{line: `//`, block: true, decorator: true, strs: []chroma.Rule{{Pattern: `"""[\s\S]*?(?:"""|\z)`, Type: chroma.LiteralString}, dquote},
		keywords:  "as associatedtype break case catch class continue default defer deinit do else enum extension fallthrough fileprivate for func guard if import in init inout internal is let open operator private protocol public repeat rethrows return self static struct subscript super switch throw throws try typealias var where while async await",
		types:     "Any Bool Character Double Float Int String Void Array Dictionary Optional Set",
		constants: "true false nil",
	})
}

func scalaRules() chroma.Rules {
	return codeRules(codeSpec{line: `//`, block: true, decorator: true, strs: []chroma.Rule{{Pattern: `"""[\s\S]*?(?:"""|\z)`, Type: chroma.LiteralString}, dquote, charLit},
		keywords:  "abstract case catch class def do else enum extends final finally for given if implicit import lazy match new object override package private protected return sealed super then this throw trait try type using val var while with yield",
		types:     "Any AnyRef Boolean Byte Char Double Float Int Long Short String Unit List Map Option Seq",
		constants: "true false null None Some Nil",
	})
}

func protobufRules() chroma.Rules {
	return codeRules(codeSpec{line: `//`, block: true, strs: []chroma.Rule{dquote, squote},
		keywords:  "syntax package import option message enum service rpc returns repeated optional required oneof map reserved extend stream public weak",
		types:     "double float int32 int64 uint32 uint64 sint32 sint64 fixed32 fixed64 sfixed32 sfixed64 bool string bytes",
		constants: "true false",
	})
}

func hclRules() chroma.Rules {
	return codeRules(codeSpec{line: `(?:#|//)`, block: true, strs: []chroma.Rule{{Pattern: `<<-?(\w+)\n[\s\S]*?^\s*\1$`, Type: chroma.LiteralString}, dquote},
		keywords:  "resource data variable output locals module provider terraform for in if each count depends_on lifecycle dynamic content",
		types:     "string number bool list map set object tuple any",
		constants: "true false null",
	})
}

func cmakeRules() chroma.Rules {
	return codeRules(codeSpec{line: `#`, strs: []chroma.Rule{dquote, {Pattern: `\$\{[^}\n]*\}?`, Type: chroma.NameVariable}},
		keywords:  "(?i:if|else|elseif|endif|foreach|endforeach|while|endwhile|function|endfunction|macro|endmacro|return)",
		builtins:  "(?i:cmake_minimum_required|project|add_executable|add_library|target_link_libraries|target_include_directories|set|option|find_package|include|message|install|add_subdirectory|list|string)",
		constants: "ON OFF TRUE FALSE PUBLIC PRIVATE INTERFACE REQUIRED",
	})
}

func latexRules() chroma.Rules {
	return chroma.Rules{"root": {
		{Pattern: `%[^\n]*`, Type: chroma.CommentSingle},
		{Pattern: `\\(?:begin|end)(?=\{)`, Type: chroma.Keyword},
		{Pattern: `\\(?:part|chapter|section|subsection|subsubsection|paragraph)\*?(?=[\[{])`, Type: chroma.GenericHeading},
		{Pattern: `\\[A-Za-z@]+\*?|\\.`, Type: chroma.NameBuiltin},
		{Pattern: `\$\$[\s\S]*?(?:\$\$|\z)|\$(?:\\.|[^$\\\n])*\$?`, Type: chroma.LiteralString},
		{Pattern: `[{}\[\]]`, Type: chroma.Punctuation},
		ws, {Pattern: `[^\\%${}\[\]\s]+|.`, Type: chroma.Text},
	}}
}
