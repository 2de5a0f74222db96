package backend

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateID(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"abc", true}, {"a-b-c", true}, {"org1", true}, {strings.Repeat("a", 40), true},
		{"ab", false}, {strings.Repeat("a", 41), false}, {"-abc", false}, {"abc-", false},
		{"a--b", false}, {"ABC", false}, {"a_b", false}, {"a/b", false}, {"../x", false}, {"", false},
	} {
		err := ValidateID("account", tc.id)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateID(%q) = %v, want ok=%v", tc.id, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("ValidateID(%q) error %v is not ErrInvalid", tc.id, err)
		}
	}
}

func TestValidatePath(t *testing.T) {
	for _, tc := range []struct {
		p  string
		ok bool
	}{
		{"a.txt", true}, {"dir/sub/file.csv", true}, {"héllo wörld.txt", true}, {"..hidden", true},
		{"", false}, {"/abs", false}, {"a/../b", false}, {"..", false}, {"./a", false}, {"a//b", false},
		{"a/", false}, {"a\\b", false}, {"a\x00b", false}, {"a\x1b[31mb", false}, {"a\u009bb", false},
		{"\xff\xfe", false}, {strings.Repeat("a", 1025), false}, {MetadataFileName, false},
	} {
		err := ValidatePath(tc.p, false)
		if (err == nil) != tc.ok {
			t.Errorf("ValidatePath(%q) = %v, want ok=%v", tc.p, err, tc.ok)
		}
	}
	if err := ValidatePath("", true); err != nil {
		t.Errorf("root rejected with allowRoot: %v", err)
	}
}

func TestCleanFolder(t *testing.T) {
	got, err := CleanFolder("/a/b/")
	if err != nil || got != "a/b" {
		t.Fatalf("CleanFolder = %q, %v", got, err)
	}
	if _, err := CleanFolder("a/../b"); err == nil {
		t.Fatal("CleanFolder accepted ..")
	}
}

func TestValidateReadPath(t *testing.T) {
	for _, tc := range []struct {
		p  string
		ok bool
	}{
		{"a.txt", true}, {"evil\x1b[2J.txt", true}, {"bad\xffutf8", true}, {"a\\b", true}, {"dir/sub", true},
		{"", false}, {"/abs", false}, {"a/../b", false}, {"..", false}, {"./a", false}, {"a//b", false}, {"a\x00b", false},
	} {
		err := ValidateReadPath(tc.p, false)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateReadPath(%q) = %v, want ok=%v", tc.p, err, tc.ok)
		}
	}
}
