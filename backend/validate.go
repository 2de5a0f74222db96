package backend

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var idPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

// MaxPathBytes is the longest object path accepted, as in S3 keys.
const MaxPathBytes = 1024

// ValidateID checks an account or repository id: lower-case letters,
// digits and single hyphens, 3–40 characters, starting and ending with a
// letter or digit.
func ValidateID(kind, id string) error {
	switch {
	case len(id) < 3 || len(id) > 40:
		return fmt.Errorf("%w %s id %q: must be 3–40 characters", ErrInvalid, kind, id)
	case !idPattern.MatchString(id):
		return fmt.Errorf("%w %s id %q: use lower-case letters, digits and hyphens, starting and ending with a letter or digit", ErrInvalid, kind, id)
	case strings.Contains(id, "--"):
		return fmt.Errorf("%w %s id %q: no double hyphens", ErrInvalid, kind, id)
	}
	return nil
}

// ValidateAccount checks an account before it is stored: its id, its
// type, and an email free of control characters.
func ValidateAccount(a Account) error {
	if err := ValidateID("account", a.ID); err != nil {
		return err
	}
	if !a.Type.Valid() {
		return fmt.Errorf("%w account type %q: use %q or %q", ErrInvalid, a.Type, AccountUser, AccountOrganization)
	}
	if strings.IndexFunc(a.Email, unicode.IsControl) >= 0 {
		return fmt.Errorf("%w email %q: contains a control character", ErrInvalid, a.Email)
	}
	return nil
}

// ValidateRepository checks a repository before it is stored: both ids
// and its visibility. Stores treat an empty visibility as private before
// calling it.
func ValidateRepository(r Repository) error {
	if err := ValidateRef(r.Ref()); err != nil {
		return err
	}
	if !r.Visibility.Valid() {
		return fmt.Errorf("%w visibility %q: use %q or %q", ErrInvalid, r.Visibility, VisibilityPublic, VisibilityPrivate)
	}
	return nil
}

// ValidateRef checks both ids of a repository reference.
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
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
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
	for _, seg := range strings.Split(p, "/") {
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
