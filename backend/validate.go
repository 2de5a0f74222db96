package backend

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxPathBytes is the longest object path accepted, as in S3 keys.
const MaxPathBytes = 1024

// MaxIDBytes is the longest account or repository id that names an
// existing item: a file name on every common file system, and short
// enough that {account}/{repository}/ leaves most of an S3 key for paths.
const MaxIDBytes = 255

// ValidateNewID checks the id of an account or repository coop is about
// to create: lower-case letters, digits and single hyphens, 3–40
// characters, starting and ending with a letter or digit.
func ValidateNewID(kind, id string) error {
	switch {
	case len(id) < 3 || len(id) > 40:
		return fmt.Errorf("%w %s id %q: must be 3–40 characters", ErrInvalid, kind, id)
	case !isNewIDText(id):
		return fmt.Errorf("%w %s id %q: use lower-case letters, digits and hyphens, starting and ending with a letter or digit", ErrInvalid, kind, id)
	case strings.Contains(id, "--"):
		return fmt.Errorf("%w %s id %q: no double hyphens", ErrInvalid, kind, id)
	}
	return nil
}

// isNewIDText reports whether id is lower-case letters, digits and
// hyphens, not starting or ending with a hyphen. (A regular expression
// would be compiled when every command starts.)
func isNewIDText(id string) bool {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return id != "" && id[0] != '-' && id[len(id)-1] != '-'
}

// ValidateID checks an id that names an account or repository which may
// already exist, to read, open, write into or delete from it. Other tools
// create ids coop would not ("io", "NASA_Earth", "v2.0"), so any id that
// is one safe path segment is accepted: valid UTF-8, 1–MaxIDBytes bytes,
// no slash or backslash, no control character, not "." or "..". Creating
// an account or repository checks ValidateNewID instead.
func ValidateID(kind, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w %s id: empty", ErrInvalid, kind)
	case len(id) > MaxIDBytes:
		return fmt.Errorf("%w %s id: longer than %d bytes", ErrInvalid, kind, MaxIDBytes)
	case id == "." || id == "..":
		return fmt.Errorf("%w %s id %q: not a name", ErrInvalid, kind, id)
	case !utf8.ValidString(id):
		return fmt.Errorf("%w %s id %q: not valid UTF-8", ErrInvalid, kind, id)
	case strings.ContainsAny(id, `/\`):
		return fmt.Errorf("%w %s id %q: one name, without / or \\", ErrInvalid, kind, id)
	case strings.IndexFunc(id, isControl) >= 0:
		return fmt.Errorf("%w %s id %q: contains a control character", ErrInvalid, kind, id)
	}
	return nil
}

// isControl reports C0 and C1 control characters and DEL.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// ValidateAccount checks a new account before it is created: its id
// (ValidateNewID), its type, and an email free of control characters.
func ValidateAccount(a Account) error {
	if err := ValidateNewID("account", a.ID); err != nil {
		return err
	}
	if !a.Type.Valid() {
		return fmt.Errorf("%w account type %q: use %q or %q", ErrInvalid, a.Type, AccountUser, AccountOrganization)
	}
	return validateEmail(a.Email)
}

// ValidateAccountUpdate checks an existing account before it is
// rewritten: its key (ValidateAccountKey), an email free of control
// characters, and no new value over an attribute coop could not read
// (CheckUnreadKept). Its id and type may be ones other tools wrote.
func ValidateAccountUpdate(a Account) error {
	if err := ValidateAccountKey(a.ID, a.Type); err != nil {
		return err
	}
	if err := validateEmail(a.Email); err != nil {
		return err
	}
	set := map[string]bool{
		AttrName: a.Name != "", AttrEmail: a.Email != "",
		AttrMetadataPublic: len(a.MetadataPublic) > 0, AttrMetadataPrivate: len(a.MetadataPrivate) > 0,
	}
	return CheckUnreadKept("account "+a.ID, a.Unreadable, func(f string) bool { return set[f] })
}

// ValidateAccountKey checks the key of an account that may exist: an id
// as ValidateID takes it and a type, which may be one coop does not know
// (the platform's other writers may add types) but is never empty.
func ValidateAccountKey(id string, typ AccountType) error {
	if err := ValidateID("account", id); err != nil {
		return err
	}
	if typ == "" || strings.IndexFunc(string(typ), isControl) >= 0 {
		return fmt.Errorf("%w account type %q", ErrInvalid, typ)
	}
	return nil
}

func validateEmail(email string) error {
	if strings.IndexFunc(email, unicode.IsControl) >= 0 {
		return fmt.Errorf("%w email %q: contains a control character", ErrInvalid, email)
	}
	return nil
}

// ValidateRepository checks a new repository before it is created: both
// ids (ValidateNewID for its own, ValidateID for its account's, which may
// be one other tools created) and its visibility. Stores treat an empty
// visibility as private before calling it.
func ValidateRepository(r Repository) error {
	if err := ValidateID("account", r.AccountID); err != nil {
		return err
	}
	if err := ValidateNewID("repository", r.ID); err != nil {
		return err
	}
	return validateVisibility(r.Visibility)
}

// ValidateRepositoryUpdate checks an existing repository before it is
// rewritten: both ids as ValidateRef takes them, its visibility, and no
// new value over an attribute coop could not read (CheckUnreadKept).
func ValidateRepositoryUpdate(r Repository) error {
	if err := ValidateRef(r.Ref()); err != nil {
		return err
	}
	if err := validateVisibility(r.Visibility); err != nil {
		return err
	}
	set := map[string]bool{
		AttrTitle: r.Title != "", AttrDescription: r.Description != "",
		AttrMetadata: len(r.Metadata) > 0, AttrVisibility: true,
	}
	return CheckUnreadKept("repository "+r.Ref().String(), r.Unreadable, func(f string) bool { return set[f] })
}

func validateVisibility(v Visibility) error {
	if !v.Valid() {
		return fmt.Errorf("%w visibility %q: use %q or %q", ErrInvalid, v, VisibilityPublic, VisibilityPrivate)
	}
	return nil
}

// ValidateRef checks both ids of a reference to a repository that may
// exist (ValidateID).
func ValidateRef(r RepoRef) error {
	if err := ValidateID("account", r.AccountID); err != nil {
		return err
	}
	return ValidateID("repository", r.RepositoryID)
}

// ValidatePath checks an object path relative to a repository root for a
// new write: everything ValidateReadPath checks, and also valid UTF-8, no
// control characters and no backslash, so that every name coop creates is
// portable and prints as it is. The empty path (the root) is accepted only
// where allowRoot is true.
func ValidatePath(p string, allowRoot bool) error {
	if err := ValidateReadPath(p, allowRoot); err != nil {
		return err
	}
	if !utf8.ValidString(p) {
		return fmt.Errorf("%w path %q: not valid UTF-8", ErrInvalid, p)
	}
	for _, r := range p {
		if isControl(r) {
			return fmt.Errorf("%w path %q: contains a control character", ErrInvalid, p)
		}
		if r == '\\' {
			return fmt.Errorf("%w path %q: contains a backslash", ErrInvalid, p)
		}
	}
	return nil
}

// ValidateReadPath checks a path that names something already in the
// store, to read, list or delete it. Files put there by other tools may
// have names that ValidatePath refuses for new writes (control characters,
// invalid UTF-8, backslashes); those stay reachable, and front ends
// sanitize them for display. What can escape the repository is still
// refused: absolute paths, "." and ".." segments, empty segments and NUL.
func ValidateReadPath(p string, allowRoot bool) error {
	if p == "" {
		if allowRoot {
			return nil
		}
		return fmt.Errorf("%w path: empty", ErrInvalid)
	}
	if len(p) > MaxPathBytes {
		return fmt.Errorf("%w path: longer than %d bytes", ErrInvalid, MaxPathBytes)
	}
	if strings.ContainsRune(p, 0) {
		return fmt.Errorf("%w path %q: contains NUL", ErrInvalid, p)
	}
	if strings.HasPrefix(p, "/") {
		return fmt.Errorf("%w path %q: must be relative", ErrInvalid, p)
	}
	for rest, more := p, true; more; { // each segment, without a slice of them (a listing checks every key)
		var seg string
		seg, rest, more = strings.Cut(rest, "/")
		switch seg {
		case "":
			return fmt.Errorf("%w path %q: empty segment", ErrInvalid, p)
		case ".", "..":
			return fmt.Errorf("%w path %q: no %q segments", ErrInvalid, p, seg)
		}
	}
	if p == MetadataFileName {
		return fmt.Errorf("%w path %q: reserved for repository metadata", ErrInvalid, p)
	}
	return nil
}

// CleanFolder trims surrounding slashes from a folder path so that "a/b/",
// "/a/b" and "a/b" name the same folder, then validates it.
func CleanFolder(p string) (string, error) {
	p = strings.Trim(p, "/")
	return p, ValidateReadPath(p, true)
}

// JoinPath joins a folder and a name into a repository path.
func JoinPath(folder, name string) string {
	if folder == "" {
		return name
	}
	return folder + "/" + name
}

// OddName says why a name found in a listing cannot be used as it is, or
// "" for an ordinary name. S3 keys may hold empty, "." and ".." segments
// ("a//b", "a/./b"), which no path can address; names may start or end
// with spaces, which a listing does not show.
func OddName(name string) string {
	switch {
	case name == "":
		return `an empty name (the key holds "//"): coop cannot address it`
	case name == "." || name == "..":
		return fmt.Sprintf("a %q segment in the key: coop cannot address it", name)
	case strings.ContainsRune(name, 0):
		return "a NUL in the name: coop cannot address it"
	case strings.TrimSpace(name) != name:
		return "spaces at the start or end of the name"
	}
	return ""
}
