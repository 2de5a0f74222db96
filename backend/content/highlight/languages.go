// Package highlight colours source code for the content preview with
// chroma's core alone: coop's own lexers for the languages kept in data
// repositories, built when first asked for, its own light and dark
// styles, and its own formatting of tokens into SGR sequences.
//
// chroma's lexers, styles and formatters packages are not imported: each
// registers everything it has when the program starts (about 25 ms, paid
// by every coop command, a `coop stat` too), where this package costs
// nothing until a preview asks for a language.
package highlight

import (
	"path"
	"strings"

	"github.com/alecthomas/chroma/v2"
)

// language is one entry of the table: its name (as chroma names it), the
// file names and extensions it is picked by, and the rules of its lexer.
type language struct {
	name  string
	exts  []string // lower-case, with the dot
	files []string // lower-case whole names
	rules func() chroma.Rules
	// caseless makes the rules' words match in any case (SQL).
	caseless bool
}

// languages is the table of languages coop highlights, looked up by
// Match and Lexer; it is never changed.
var languages = []language{
	{name: "JSON", exts: []string{".json", ".jsonld", ".geojson", ".ipynb", ".zattrs", ".zgroup", ".zarray", ".zmetadata"}, rules: jsonRules},
	{name: "YAML", exts: []string{".yaml", ".yml"}, files: []string{".clang-format"}, rules: yamlRules},
	{name: "TOML", exts: []string{".toml"}, files: []string{"pipfile"}, rules: tomlRules},
	{name: "INI", exts: []string{".ini", ".cfg", ".conf", ".properties", ".editorconfig", ".gitconfig"}, files: []string{".gitconfig", ".editorconfig", "setup.cfg"}, rules: iniRules},
	{name: "Markdown", exts: []string{".md", ".markdown"}, rules: markdownRules},
	{name: "Python", exts: []string{".py", ".pyw", ".pyi"}, files: []string{"sconstruct", "sconscript"}, rules: pythonRules},
	{name: "R", exts: []string{".r", ".rprofile"}, files: []string{".rprofile"}, rules: rRules},
	{name: "SQL", exts: []string{".sql"}, rules: sqlRules, caseless: true},
	{name: "Bash", exts: []string{".sh", ".bash", ".zsh", ".ksh", ".bashrc", ".zshrc", ".profile"}, files: []string{".bashrc", ".bash_profile", ".zshrc", ".profile", "pkgbuild"}, rules: shellRules},
	{name: "Go", exts: []string{".go"}, rules: goRules},
	{name: "JavaScript", exts: []string{".js", ".mjs", ".cjs", ".jsx"}, rules: javascriptRules},
	{name: "TypeScript", exts: []string{".ts", ".tsx", ".mts", ".cts"}, rules: typescriptRules},
	{name: "Rust", exts: []string{".rs"}, rules: rustRules},
	{name: "C", exts: []string{".c", ".h"}, rules: cRules},
	{name: "C++", exts: []string{".cpp", ".cc", ".cxx", ".hpp", ".hh", ".hxx", ".c++", ".h++"}, rules: cppRules},
	{name: "Java", exts: []string{".java"}, rules: javaRules},
	{name: "HTML", exts: []string{".html", ".htm", ".xhtml"}, rules: markupRules},
	{name: "XML", exts: []string{".xml", ".xsd", ".xsl", ".xslt", ".svg", ".gml", ".kml", ".rss", ".atom", ".qgs", ".vrt"}, rules: markupRules},
	{name: "CSS", exts: []string{".css"}, rules: cssRules},
	{name: "Docker", exts: []string{".dockerfile"}, files: []string{"dockerfile", "containerfile"}, rules: dockerRules},
	{name: "Makefile", exts: []string{".mk", ".mak"}, files: []string{"makefile", "gnumakefile", "bsdmakefile"}, rules: makeRules},
	{name: "Julia", exts: []string{".jl"}, rules: juliaRules},
	{name: "Fortran", exts: []string{".f", ".for", ".f77", ".f90", ".f95", ".f03", ".f08"}, rules: fortranRules, caseless: true},
	{name: "MATLAB", exts: []string{".m"}, rules: matlabRules},
	{name: "TeX", exts: []string{".tex", ".sty", ".cls", ".bib"}, rules: latexRules},
	{name: "Ruby", exts: []string{".rb", ".rake", ".gemspec"}, files: []string{"gemfile", "rakefile"}, rules: rubyRules},
	{name: "Lua", exts: []string{".lua"}, rules: luaRules},
	{name: "Kotlin", exts: []string{".kt", ".kts"}, rules: kotlinRules},
	{name: "Swift", exts: []string{".swift"}, rules: swiftRules},
	{name: "Scala", exts: []string{".scala", ".sc", ".sbt"}, rules: scalaRules},
	{name: "Protocol Buffer", exts: []string{".proto"}, rules: protobufRules},
	{name: "Terraform", exts: []string{".tf", ".tfvars", ".hcl"}, rules: hclRules},
	{name: "CMake", exts: []string{".cmake"}, files: []string{"cmakelists.txt"}, rules: cmakeRules},
}

// aliases are other names a language is asked for by, as a Markdown
// fence's info string or a caller names it (lower case).
var aliases = map[string]string{
	"json": "JSON", "jsonld": "JSON", "geojson": "JSON",
	"yaml": "YAML", "yml": "YAML", "toml": "TOML", "ini": "INI", "cfg": "INI",
	"markdown": "Markdown", "md": "Markdown",
	"python": "Python", "py": "Python", "python3": "Python", "py3": "Python",
	"r": "R", "sql": "SQL", "postgresql": "SQL", "postgres": "SQL", "mysql": "SQL", "sqlite": "SQL",
	"bash": "Bash", "sh": "Bash", "shell": "Bash", "zsh": "Bash", "console": "Bash",
	"go": "Go", "golang": "Go",
	"javascript": "JavaScript", "js": "JavaScript", "jsx": "JavaScript", "node": "JavaScript",
	"typescript": "TypeScript", "ts": "TypeScript", "tsx": "TypeScript",
	"rust": "Rust", "rs": "Rust", "c": "C", "h": "C",
	"c++": "C++", "cpp": "C++", "cxx": "C++", "hpp": "C++",
	"java": "Java", "html": "HTML", "htm": "HTML", "xhtml": "HTML",
	"xml": "XML", "svg": "XML", "css": "CSS",
	"docker": "Docker", "dockerfile": "Docker", "containerfile": "Docker",
	"make": "Makefile", "makefile": "Makefile", "mk": "Makefile",
	"julia": "Julia", "jl": "Julia", "fortran": "Fortran", "f90": "Fortran", "matlab": "MATLAB", "octave": "MATLAB",
	"latex": "TeX", "tex": "TeX", "bibtex": "TeX", "ruby": "Ruby", "rb": "Ruby", "lua": "Lua",
	"kotlin": "Kotlin", "kt": "Kotlin", "swift": "Swift", "scala": "Scala",
	"protobuf": "Protocol Buffer", "proto": "Protocol Buffer",
	"terraform": "Terraform", "tf": "Terraform", "hcl": "Terraform", "cmake": "CMake",
}

// Match names the language of a file by its name ("" when coop
// highlights none): a whole name (Makefile, Dockerfile), then its
// extension, then a Dockerfile.* or *.Dockerfile variant.
func Match(name string) string {
	base := strings.ToLower(path.Base(name))
	ext := path.Ext(base)
	for i := range languages {
		l := &languages[i]
		for _, f := range l.files {
			if base == f {
				return l.name
			}
		}
	}
	for i := range languages {
		l := &languages[i]
		for _, e := range l.exts {
			if ext == e {
				return l.name
			}
		}
	}
	if strings.HasPrefix(base, "dockerfile.") || strings.HasPrefix(base, "containerfile.") {
		return "Docker"
	}
	return ""
}

// lookup finds a language by its name or an alias, in any case; nil if
// coop has no lexer for it.
func lookup(name string) *language {
	lower := strings.ToLower(strings.TrimSpace(name))
	if n, ok := aliases[lower]; ok {
		lower = strings.ToLower(n)
	}
	for i := range languages {
		if strings.ToLower(languages[i].name) == lower {
			return &languages[i]
		}
	}
	return nil
}

// Name is the name a language is shown by ("Python" for "py"); "" when
// coop has no lexer for it.
func Name(name string) string {
	if l := lookup(name); l != nil {
		return l.name
	}
	return ""
}
