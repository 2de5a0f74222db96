package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
	"github.com/coopterm/coop/internal/safe"
	"golang.org/x/crypto/ssh"
)

func (a *app) accountAddKeyCommand() *cobra.Command {
	cmd := leaf(`add-key ID "ssh-ed25519 AAAA..."|FILE|-`, "Let an account sign in over SSH with a public key",
		`The key is given as its text, as a file that holds it (such as
~/.ssh/id_ed25519.pub), or as - to read it from stdin. A key another account
has is refused.`, a.accountAddKey)
	cmd.ValidArgsFunction = a.completeKeyArgs
	return cmd
}

// accountAddKey stores an SSH public key in the account's private
// metadata; a key another account owns is refused.
func (a *app) accountAddKey(ctx context.Context, pos []string) error {
	if len(pos) != 2 {
		return usagef(`usage: coop account add-key ID "ssh-ed25519 AAAA..."|FILE|-`)
	}
	key, err := a.keyText(pos[1])
	if err != nil {
		return err
	}
	if _, _, err := access.ParseKey(key); err != nil {
		return usagef("not an SSH public key: %v", err)
	}
	pos = []string{pos[0], key}
	store, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer store.Close()
	fp, added, err := access.AddKey(ctx, store, pos[0], pos[1])
	if errors.Is(err, backend.ErrExists) {
		return fmt.Errorf("key %s already belongs to another account; remove it there first", fp)
	}
	if err != nil {
		return err
	}
	if !added {
		_, err = fmt.Fprintf(a.stdout, "%s already has key %s\n", pos[0], fp)
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "added key %s to %s\n", fp, pos[0])
	return err
}

func (a *app) accountKeysCommand() *cobra.Command {
	cmd := leaf("keys ID", "List an account's SSH keys: fingerprint, type, comment", "", a.accountKeys)
	cmd.ValidArgsFunction = a.completeStore(completeAccountIDs, 1)
	return cmd
}

// accountKeys lists an account's SSH keys: fingerprint, type, comment.
func (a *app) accountKeys(ctx context.Context, pos []string) error {
	if len(pos) != 1 {
		return usagef("usage: coop account keys ID")
	}
	store, err := a.openStore(ctx, false)
	if err != nil {
		return err
	}
	defer store.Close()
	acct, err := store.FindAccount(ctx, pos[0])
	if err != nil {
		return backend.WithSubject("account "+pos[0], err)
	}
	if !store.Administers(acct) {
		return fmt.Errorf("keys of %s: only the account itself may list them: %w", pos[0], backend.ErrUnauthorized)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, line := range access.Keys(acct) {
		k, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			fmt.Fprintf(tw, "?\tunreadable key\t%s\n", safe.Text(err.Error()))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", ssh.FingerprintSHA256(k), k.Type(), safe.Text(comment))
	}
	return tw.Flush()
}

func (a *app) accountRemoveKeyCommand() *cobra.Command {
	cmd := leaf(`remove-key ID SHA256:FINGERPRINT|"ssh-ed25519 AAAA..."`, "Remove an SSH key from an account", "", a.accountRemoveKey)
	cmd.ValidArgsFunction = a.completeStore(completeAccountIDs, 1)
	return cmd
}

// accountRemoveKey removes a key, named by fingerprint or by the key.
func (a *app) accountRemoveKey(ctx context.Context, pos []string) error {
	if len(pos) != 2 {
		return usagef(`usage: coop account remove-key ID SHA256:FINGERPRINT|"ssh-ed25519 AAAA..."`)
	}
	store, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer store.Close()
	fp, err := access.RemoveKey(ctx, store, pos[0], pos[1])
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "removed key %s from %s\n", fp, pos[0])
	return err
}

func (a *app) accountAddMemberCommand() *cobra.Command {
	cmd := leaf("add-member ORG ID owner|maintainer|write|read", "Give an account a role in an organization", "", a.accountAddMember)
	cmd.ValidArgsFunction = a.completeMemberArgs
	return cmd
}

// accountAddMember gives an account a role in an organization.
func (a *app) accountAddMember(ctx context.Context, pos []string) error {
	if len(pos) != 3 {
		return usagef("usage: coop account add-member ORG ID owner|maintainer|write|read")
	}
	role, err := access.ParseRole(pos[2])
	if err != nil {
		return usageError{err.Error()}
	}
	for i, kind := range []string{"organization", "account"} {
		if err := backend.ValidateID(kind, pos[i]); err != nil {
			return err
		}
	}
	store, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := access.SetMember(ctx, store, pos[0], pos[1], role); err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "%s is now %s of %s\n", pos[1], role, pos[0])
	return err
}

func (a *app) accountRemoveMemberCommand() *cobra.Command {
	cmd := leaf("remove-member ORG ID", "Take an account out of an organization", "", a.accountRemoveMember)
	cmd.ValidArgsFunction = a.completeStore(completeAccountIDs, 2)
	return cmd
}

// accountRemoveMember takes an account out of an organization.
func (a *app) accountRemoveMember(ctx context.Context, pos []string) error {
	if len(pos) != 2 {
		return usagef("usage: coop account remove-member ORG ID")
	}
	store, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := access.RemoveMember(ctx, store, pos[0], pos[1]); err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "%s is no longer a member of %s\n", pos[1], pos[0])
	return err
}

// maxKeyFile bounds a public key file read by add-key: keys are a few
// hundred bytes; a larger file is not one.
const maxKeyFile = 64 << 10

// keyText is add-key's KEY argument as key text: the argument itself when
// it reads as a key, else the file it names, or stdin for "-".
func (a *app) keyText(arg string) (string, error) {
	var r io.Reader
	switch {
	case arg == "-":
		r = a.stdin
	case looksLikeKey(arg):
		return arg, nil
	default:
		f, err := os.Open(arg)
		if err != nil {
			return "", usagef("not an SSH public key, nor a file: %s: %s", arg, localMessage(err))
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxKeyFile+1))
	if err != nil {
		return "", fmt.Errorf("read key %s: %w", arg, err)
	}
	if len(data) > maxKeyFile {
		return "", usagef("%s is larger than %d KiB: not a public key file", arg, maxKeyFile>>10)
	}
	// The first line that is not blank or a comment (an authorized_keys
	// line, or a .pub file).
	for line := range strings.Lines(string(data)) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			return line, nil
		}
	}
	return "", usagef("%s holds no SSH public key", arg)
}

// looksLikeKey tells key text from a file name: a key has a space between
// its type and its base64 data.
func looksLikeKey(s string) bool {
	typ, _, ok := strings.Cut(strings.TrimSpace(s), " ")
	return ok && (strings.HasPrefix(typ, "ssh-") || strings.HasPrefix(typ, "ecdsa-") || strings.HasPrefix(typ, "sk-"))
}
