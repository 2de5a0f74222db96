package safe

import "testing"

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"plain.txt":           "plain.txt",
		"héllo 世界.csv":        "héllo 世界.csv",
		"a\x1b[31mred":        `a\x1b[31mred`,
		"title\x1b]0;pwn\x07": `title\x1b]0;pwn\x07`,
		"line\nbreak":         `line\nbreak`,
		"csi\u009b2J":         `csi\u009b2J`,
		"bad\xffutf8":         `bad\xffutf8`,
		`back\slash`:          `back\\slash`,
		"rtl\u202egnp.exe":    `rtl\u202egnp.exe`,
		"del\x7f":             `del\x7f`,
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}
