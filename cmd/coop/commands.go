package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coopterm/coop/backend"
)

func (a *app) cmdInit(ctx context.Context, args []string) error {
	pos, err := parse(a.flags("init"), args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("init takes no arguments")
	}
	store, err := a.openStore(ctx, false)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Init(ctx); err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "store ready at %s\n", store.Location())
	return err
}

func (a *app) cmdAccount(ctx context.Context, args []string) error {
	const subs = "create, keys, add-key, remove-key, add-member or remove-member"
	if len(args) == 0 {
		return usagef("account needs a subcommand: %s", subs)
	}
	switch args[0] {
	case "create":
		return a.accountCreate(ctx, args[1:])
	case "add-key":
		return a.accountAddKey(ctx, args[1:])
	case "keys":
		return a.accountKeys(ctx, args[1:])
	case "remove-key":
		return a.accountRemoveKey(ctx, args[1:])
	case "add-member":
		return a.accountAddMember(ctx, args[1:])
	case "remove-member":
		return a.accountRemoveMember(ctx, args[1:])
	}
	return usagef("unknown account subcommand %q (%s)", args[0], subs)
}

func (a *app) accountCreate(ctx context.Context, args []string) error {
	fs := a.flags("account create")
	typ := fs.String("type", "", "user or organization")
	name := fs.String("name", "", "display name")
	email := fs.String("email", "", "contact email")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: coop account create ID --type user|organization [--name N] [--email E]")
	}
	t := backend.AccountType(*typ)
	if !t.Valid() {
		return usagef("--type must be user or organization, not %q", *typ)
	}
	if err := backend.ValidateNewID("account", pos[0]); err != nil {
		return err
	}
	if *email != "" && !strings.Contains(*email, "@") {
		return usagef("--email %q is not an email address", *email)
	}
	store, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.FindAccount(ctx, pos[0]); err == nil {
		return fmt.Errorf("account %s: %w", pos[0], backend.ErrExists)
	} else if !errors.Is(err, backend.ErrNotFound) {
		return err
	}
	if *name == "" {
		*name = pos[0]
	}
	now := time.Now().UTC()
	acct := backend.Account{ID: pos[0], Type: t, Name: *name, Email: *email, CreatedAt: now, UpdatedAt: now}
	if err := store.CreateAccount(ctx, acct); err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "created %s account %s\n", t, pos[0])
	return err
}

func (a *app) cmdRepo(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("repo needs a subcommand: create or repair")
	}
	switch args[0] {
	case "create":
		return a.repoCreate(ctx, args[1:])
	case "repair":
		return a.repoRepair(ctx, args[1:])
	}
	return usagef("unknown repo subcommand %q (create or repair)", args[0])
}

func (a *app) repoCreate(ctx context.Context, args []string) error {
	fs := a.flags("repo create")
	title := fs.String("title", "", "title")
	desc := fs.String("description", "", "description")
	vis := fs.String("visibility", string(backend.VisibilityPrivate), "public or private")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: coop repo create ACCOUNT/REPO [--title T] [--description D] [--visibility public|private]")
	}
	t, err := parseTarget(pos[0])
	if err != nil {
		return err
	}
	if t.repo == "" || t.path != "" {
		return usagef("repo create takes ACCOUNT/REPO, not %q", pos[0])
	}
	v := backend.Visibility(*vis)
	if !v.Valid() {
		return usagef("--visibility must be public or private, not %q", *vis)
	}
	store, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.FindAccount(ctx, t.account); err != nil {
		return backend.WithSubject("account "+t.account, err)
	}
	if *title == "" {
		*title = t.repo
	}
	now := time.Now().UTC()
	r := backend.Repository{ID: t.repo, AccountID: t.account, Title: *title, Description: *desc,
		Visibility: v, CreatedAt: now, UpdatedAt: now}
	if err := store.CreateRepository(ctx, r); err != nil {
		return backend.WithSubject("repository "+r.Ref().String(), err)
	}
	_, err = fmt.Fprintf(a.stdout, "created %s repository %s\n", v, r.Ref())
	return err
}

// target is a parsed ACCOUNT[/REPO[/PATH]] argument.
type target struct{ account, repo, path string }

func (t target) ref() backend.RepoRef {
	return backend.RepoRef{AccountID: t.account, RepositoryID: t.repo}
}

func parseTarget(s string) (target, error) {
	parts := strings.SplitN(strings.TrimPrefix(s, "/"), "/", 3)
	var t target
	t.account = parts[0]
	if err := backend.ValidateID("account", t.account); err != nil {
		return t, err
	}
	if len(parts) > 1 {
		t.repo = parts[1]
		if err := backend.ValidateID("repository", t.repo); err != nil {
			return t, err
		}
	}
	if len(parts) > 2 {
		p, err := backend.CleanFolder(parts[2])
		if err != nil {
			return t, err
		}
		t.path = p
	}
	return t, nil
}
