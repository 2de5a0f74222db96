package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/coopterm/coop/backend"
)

func (a *app) initCommand() *cobra.Command {
	return leaf("init", "Create the store layout (local) or tables (aws) if missing", "", a.cmdInit)
}

func (a *app) cmdInit(ctx context.Context, pos []string) error {
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

// group makes a command that only holds subcommands (see needSubcommand).
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short}
	cmd.AddCommand(subs...)
	return cmd
}

// needSubcommand makes a command that only holds subcommands refuse to run
// alone or with an unknown one, with a usage error naming them.
func needSubcommand(cmd *cobra.Command) {
	var names []string
	for _, s := range cmd.Commands() {
		if s.IsAvailableCommand() {
			names = append(names, s.Name())
		}
	}
	list := strings.Join(names, ", ")
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(_ *cobra.Command, args []string) error {
		if len(args) == 0 {
			return usagef("%s needs a subcommand: %s", cmd.Name(), list)
		}
		return usagef("unknown %s subcommand %q (%s)", cmd.Name(), args[0], list)
	}
}

func (a *app) accountCommand() *cobra.Command {
	return group("account", "Create accounts; manage their SSH keys and organization members",
		a.accountCreateCommand(), a.accountKeysCommand(), a.accountAddKeyCommand(),
		a.accountRemoveKeyCommand(), a.accountAddMemberCommand(), a.accountRemoveMemberCommand())
}

// accountFlags are account create's flags.
type accountFlags struct{ typ, name, email string }

func (a *app) accountCreateCommand() *cobra.Command {
	var f accountFlags
	cmd := leaf("create ID --type user|organization", "Create a user or organization account", "",
		func(ctx context.Context, pos []string) error { return a.accountCreate(ctx, pos, f) })
	fs := flagsOf(cmd)
	fs.StringVar(&f.typ, "type", "", "user or organization (required)")
	fs.StringVar(&f.name, "name", "", "display name (default the ID)")
	fs.StringVar(&f.email, "email", "", "contact email")
	_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions([]string{"user", "organization"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.ValidArgsFunction = cobra.NoFileCompletions
	return cmd
}

func (a *app) accountCreate(ctx context.Context, pos []string, f accountFlags) error {
	typ, name, email := &f.typ, &f.name, &f.email
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

func (a *app) repoCommand() *cobra.Command {
	return group("repo", "Create repositories; repair their metadata file",
		a.repoCreateCommand(), a.repoRepairCommand())
}

// repoFlags are repo create's flags.
type repoFlags struct{ title, desc, vis string }

func (a *app) repoCreateCommand() *cobra.Command {
	var f repoFlags
	cmd := leaf("create ACCOUNT/REPO", "Create a repository in an account", "",
		func(ctx context.Context, pos []string) error { return a.repoCreate(ctx, pos, f) })
	fs := flagsOf(cmd)
	fs.StringVar(&f.title, "title", "", "title (default the repository id)")
	fs.StringVar(&f.desc, "description", "", "description")
	fs.StringVar(&f.vis, "visibility", string(backend.VisibilityPrivate), "public or private")
	_ = cmd.RegisterFlagCompletionFunc("visibility", cobra.FixedCompletions([]string{"public", "private"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.ValidArgsFunction = a.completeStore(completeAccounts, 1)
	return cmd
}

func (a *app) repoCreate(ctx context.Context, pos []string, f repoFlags) error {
	title, desc, vis := &f.title, &f.desc, &f.vis
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
