package backend

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateNewID(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"abc", true}, {"a-b-c", true}, {"org1", true}, {strings.Repeat("a", 40), true},
		{"ab", false}, {strings.Repeat("a", 41), false}, {"-abc", false}, {"abc-", false},
		{"a--b", false}, {"ABC", false}, {"a_b", false}, {"a/b", false}, {"../x", false}, {"", false},
		{"io", false}, {"NASA_Earth", false}, {"v2.0", false}, {"abcé", false}, {"abc\n", false}, {"1-2", true},
	} {
		err := ValidateNewID("account", tc.id)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateNewID(%q) = %v, want ok=%v", tc.id, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("ValidateNewID(%q) error %v is not ErrInvalid", tc.id, err)
		}
	}
}

// Ids other tools created are read, opened and deleted from: any one safe
// path segment.
func TestValidateIDTakesWhatOtherToolsCreate(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"abc", true}, {"io", true}, {"x", true}, {"NASA_Earth", true}, {"my_dataset", true}, {"v2.0", true},
		{"a--b", true}, {"-abc", true}, {"Ünïcode", true}, {".hidden", true}, {"...", true}, {"with space", true},
		{strings.Repeat("a", MaxIDBytes), true},
		{"", false}, {".", false}, {"..", false}, {"a/b", false}, {"a\\b", false}, {"a\x00b", false},
		{"a\x1b[2Jb", false}, {"a\u009bb", false}, {"a\x7fb", false}, {"\xff\xfe", false},
		{strings.Repeat("a", MaxIDBytes+1), false},
	} {
		err := ValidateID("repository", tc.id)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateID(%q) = %v, want ok=%v", tc.id, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("ValidateID(%q) error %v is not ErrInvalid", tc.id, err)
		}
	}
}

// Creating keeps the strict rule; reading and updating take any safe id
// and any account type other writers use.
func TestCreateIsStrictUpdateIsNot(t *testing.T) {
	odd := Account{ID: "NASA_Earth", Type: "bot", Name: "n"}
	if err := ValidateAccount(odd); err == nil {
		t.Error("ValidateAccount accepted an id and a type coop does not create")
	}
	if err := ValidateAccountUpdate(odd); err != nil {
		t.Errorf("ValidateAccountUpdate refused an existing account: %v", err)
	}
	if err := ValidateAccountKey("io", ""); err == nil {
		t.Error("ValidateAccountKey accepted an empty type")
	}
	repo := Repository{ID: "v2.0", AccountID: "NASA_Earth", Visibility: VisibilityPublic}
	if err := ValidateRepository(repo); err == nil {
		t.Error("ValidateRepository accepted a repository id coop does not create")
	}
	if err := ValidateRepository(Repository{ID: "new-repo", AccountID: "NASA_Earth", Visibility: VisibilityPublic}); err != nil {
		t.Errorf("a new repository of an account other tools created was refused: %v", err)
	}
	if err := ValidateRepositoryUpdate(repo); err != nil {
		t.Errorf("ValidateRepositoryUpdate refused an existing repository: %v", err)
	}
}

// An update never writes a new value over an attribute coop could not
// read; one it leaves empty is kept as stored.
func TestUpdateKeepsUnreadAttributes(t *testing.T) {
	a := Account{ID: "alice", Type: AccountUser, Unreadable: []FieldError{{Field: AttrMetadataPrivate, Reason: "a string, not a map"}}}
	if err := ValidateAccountUpdate(a); err != nil {
		t.Errorf("an update leaving the unread attribute alone was refused: %v", err)
	}
	a.MetadataPrivate = map[string]any{"ssh_keys": []any{"k"}}
	err := ValidateAccountUpdate(a)
	if err == nil || !strings.Contains(err.Error(), "metadata_private cannot be read") {
		t.Errorf("an update over an unread attribute: %v", err)
	}
	whole := Repository{ID: "r", AccountID: "a", Visibility: VisibilityPrivate, Unreadable: []FieldError{{Reason: "not a JSON object"}}}
	if err := ValidateRepositoryUpdate(whole); err == nil {
		t.Error("an update of an item unreadable as a whole was accepted")
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
