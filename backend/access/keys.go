package access

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/backend"
)

// KeysField is where an account keeps its SSH public keys: in its private
// metadata, as a list of authorized_keys lines.
const KeysField = "ssh_keys"

// maxKeyLine bounds one authorized_keys line; real keys are far shorter.
const maxKeyLine = 16 << 10

// ParseKey parses one authorized_keys line ("ssh-ed25519 AAAA… comment")
// and returns the key with its line in canonical form. Options before the
// key type, several keys at once and certificates are refused.
func ParseKey(line string) (ssh.PublicKey, string, error) {
	line = strings.TrimSpace(line)
	if line == "" {
		return nil, "", fmt.Errorf("%w SSH public key: empty", backend.ErrInvalid)
	}
	if len(line) > maxKeyLine || strings.ContainsAny(line, "\r\n") {
		return nil, "", fmt.Errorf("%w SSH public key: give exactly one key on one line", backend.ErrInvalid)
	}
	key, comment, options, rest, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return nil, "", fmt.Errorf("%w SSH public key: %v", backend.ErrInvalid, err) //nolint:errorlint // the parser's reason is text for the user
	}
	if len(options) > 0 || len(strings.TrimSpace(string(rest))) > 0 {
		return nil, "", fmt.Errorf("%w SSH public key: options and extra lines are not supported", backend.ErrInvalid)
	}
	if _, ok := key.(*ssh.Certificate); ok {
		return nil, "", fmt.Errorf("%w SSH public key: certificates are not supported", backend.ErrInvalid)
	}
	out := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
	if comment = strings.TrimSpace(comment); comment != "" {
		out += " " + comment
	}
	return key, out, nil
}

// Fingerprint is the SHA256 fingerprint of an authorized_keys line, as
// ssh-keygen -l prints it, or "" if the line is not a key.
func Fingerprint(line string) string {
	k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return ""
	}
	return ssh.FingerprintSHA256(k)
}

// Keys returns an account's SSH keys as authorized_keys lines.
func Keys(a backend.Account) []string {
	switch v := a.MetadataPrivate[KeysField].(type) {
	case []string:
		return append([]string(nil), v...)
	case []any:
		out := make([]string, 0, len(v))
		for _, k := range v {
			if s, ok := k.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// HasKey reports whether the account lists key.
func HasKey(a backend.Account, key ssh.PublicKey) bool {
	fp := ssh.FingerprintSHA256(key)
	for _, line := range Keys(a) {
		if Fingerprint(line) == fp {
			return true
		}
	}
	return false
}

// setKeys stores lines as the account's keys.
func setKeys(a *backend.Account, lines []string) {
	if a.MetadataPrivate == nil {
		a.MetadataPrivate = map[string]any{}
	}
	list := make([]any, len(lines))
	for i, l := range lines {
		list[i] = l
	}
	a.MetadataPrivate[KeysField] = list
}

// AddKey adds an SSH key to an account through store (which may be an
// access Store, which checks that the caller may, and that no other
// account owns the key). It reports the key's fingerprint and whether it
// was new.
func AddKey(ctx context.Context, store backend.Catalog, accountID, line string) (string, bool, error) {
	key, canon, err := ParseKey(line)
	if err != nil {
		return "", false, err
	}
	fp := ssh.FingerprintSHA256(key)
	acct, err := store.FindAccount(ctx, accountID)
	if err != nil {
		return fp, false, backend.WithSubject("account "+accountID, err)
	}
	if HasKey(acct, key) {
		return fp, false, nil
	}
	setKeys(&acct, append(Keys(acct), canon))
	if err := store.UpdateAccount(ctx, acct); err != nil {
		return fp, false, fmt.Errorf("add key to %s: %w", accountID, err)
	}
	return fp, true, nil
}

// RemoveKey removes the key that which names (a fingerprint such as
// "SHA256:…", or the key itself) from an account, and returns its
// fingerprint. backend.ErrNotFound if the account has no such key.
func RemoveKey(ctx context.Context, store backend.Catalog, accountID, which string) (string, error) {
	want := strings.TrimSpace(which)
	if !strings.HasPrefix(want, "SHA256:") {
		key, _, err := ParseKey(want)
		if err != nil {
			return "", fmt.Errorf("%w: give a fingerprint (SHA256:…) or the key itself", err)
		}
		want = ssh.FingerprintSHA256(key)
	}
	acct, err := store.FindAccount(ctx, accountID)
	if err != nil {
		return want, backend.WithSubject("account "+accountID, err)
	}
	lines := Keys(acct)
	kept := lines[:0:0]
	for _, l := range lines {
		if Fingerprint(l) != want {
			kept = append(kept, l)
		}
	}
	if len(kept) == len(lines) {
		return want, fmt.Errorf("key %s of %s: %w", want, accountID, backend.ErrNotFound)
	}
	setKeys(&acct, kept)
	if err := store.UpdateAccount(ctx, acct); err != nil {
		return want, fmt.Errorf("remove key from %s: %w", accountID, err)
	}
	return want, nil
}

// EachAccount calls fn for every account, page by page, until fn returns
// false.
func EachAccount(ctx context.Context, cat backend.Catalog, fn func(backend.Account) bool) error {
	req := backend.PageRequest{Limit: 500}
	for {
		page, err := cat.ListAccounts(ctx, "", req)
		if err != nil {
			return fmt.Errorf("list accounts: %w", err)
		}
		for _, a := range page.Items {
			if !fn(a) {
				return nil
			}
		}
		if page.Next == "" {
			return nil
		}
		req.Cursor = page.Next
	}
}
