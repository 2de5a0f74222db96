package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
	"github.com/coopterm/coop/internal/safe"
	"golang.org/x/crypto/ssh"
)

// accountAddKey stores an SSH public key in the account's private
// metadata; a key another account owns is refused.
func (a *app) accountAddKey(ctx context.Context, args []string) error {
	pos, err := parse(a.flags("account add-key"), args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef(`usage: coop account add-key ID "ssh-ed25519 AAAA..."`)
	}
	if _, _, err := access.ParseKey(pos[1]); err != nil {
		return usagef("not an SSH public key: %v", err)
	}
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

// accountKeys lists an account's SSH keys: fingerprint, type, comment.
func (a *app) accountKeys(ctx context.Context, args []string) error {
	pos, err := parse(a.flags("account keys"), args)
	if err != nil {
		return err
	}
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

// accountRemoveKey removes a key, named by fingerprint or by the key.
func (a *app) accountRemoveKey(ctx context.Context, args []string) error {
	pos, err := parse(a.flags("account remove-key"), args)
	if err != nil {
		return err
	}
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

// accountAddMember gives an account a role in an organization.
func (a *app) accountAddMember(ctx context.Context, args []string) error {
	pos, err := parse(a.flags("account add-member"), args)
	if err != nil {
		return err
	}
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

// accountRemoveMember takes an account out of an organization.
func (a *app) accountRemoveMember(ctx context.Context, args []string) error {
	pos, err := parse(a.flags("account remove-member"), args)
	if err != nil {
		return err
	}
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
