package server

import (
	"regexp"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
)

// FuzzParseVPath: whatever path an SFTP or scp client sends, parseVPath
// never panics, and what it accepts stays inside the tree: valid ids, a
// repository path with no way up, and a string form that parses back to
// the same place. Seeds are in testdata/fuzz/FuzzParseVPath; `make fuzz`
// runs it for a few seconds.
func FuzzParseVPath(f *testing.F) {
	for _, s := range []string{"", "/", "/alice", "/alice/pub/p.txt", "../../etc/passwd", "/alice/pub/../../priv/a.txt",
		"//alice//pub//x", "/alice/pub/a\x00b", "/alice/pub/.coop-tmp-1", "/.coop/catalog.db", "/alice/pub/" + backend.MetadataFileName,
		"/alice/pub/\x1b[2J", "/alice/pub/a\nb", `/alice/pub/..\..\x`, "/alice/pub/" + strings.Repeat("a/", 600)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		v, err := parseVPath(p)
		if err != nil {
			return
		}
		switch v.depth {
		case 0:
			if v.account != "" || v.repo != "" || v.path != "" {
				t.Fatalf("%q: root with parts %+v", p, v)
			}
			return
		case 1, 2, 3:
		default:
			t.Fatalf("%q: depth %d", p, v.depth)
		}
		if backend.ValidateID("account", v.account) != nil || (v.depth >= 2 && backend.ValidateID("repository", v.repo) != nil) {
			t.Fatalf("%q: accepted invalid ids %+v", p, v)
		}
		if v.depth == 3 {
			if backend.ValidateReadPath(v.path, false) != nil {
				t.Fatalf("%q: accepted an invalid path %q", p, v.path)
			}
			for _, seg := range strings.Split(v.path, "/") {
				if seg == ".." || seg == "." || seg == "" {
					t.Fatalf("%q: path %q has a segment %q", p, v.path, seg)
				}
			}
		}
		again, err := parseVPath(v.String())
		if err != nil || again != v {
			t.Fatalf("%q: %+v prints as %q, which parses as %+v, %v", p, v, v.String(), again, err)
		}
	})
}

// scpFileLine is how scp's protocol announces a file, as wish parses it.
var scpFileLine = regexp.MustCompile(`^C(\d{4}) (\d+) (.*)$`)

// FuzzScpName: every name scpName lets through travels in scp's line
// protocol as exactly one line that reads back as the same name, so a
// name can never smuggle a command to the client. Seeds are in
// testdata/fuzz/FuzzScpName.
func FuzzScpName(f *testing.F) {
	for _, s := range []string{"a.txt", "a\nC0644 5 evil", "..", ".", "", "a/b", "\x00", "x\r\ny", "名前.csv", "E", "D0755 0 x", "a\x1b[2Jb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if scpName(name) != nil {
			return
		}
		line := "C0644 5 " + name + "\n"
		first, rest, _ := strings.Cut(line, "\n")
		if rest != "" {
			t.Fatalf("%q: the file line is more than one line", name)
		}
		m := scpFileLine.FindStringSubmatch(first)
		if m == nil || m[3] != name {
			t.Fatalf("%q: the file line reads back as %q", name, m)
		}
		if name == "." || name == ".." || strings.Contains(name, "/") {
			t.Fatalf("%q: a name that is a path was let through", name)
		}
	})
}
