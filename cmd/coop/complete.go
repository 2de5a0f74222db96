package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
	"github.com/coopterm/coop/internal/safe"
)

// What a store argument completes to.
type completeMode int

const (
	completeAccountIDs completeMode = iota // ID: an account, no slash after it
	completeAccounts                       // ACCOUNT/ (repo create's ACCOUNT/REPO)
	completeRepos                          // ACCOUNT/REPO
	completeAll                            // ACCOUNT[/REPO[/PATH]]
)

// Bounds on one completion request, so that a tab in a huge folder costs
// a bounded listing: at most completeMatches candidates from at most
// completeScan entries read, within completeTimeout.
const (
	completeMatches = 500
	completeScan    = 20_000
	completeTimeout = 5 * time.Second
)

// completeStore completes the first n positional arguments (all of them
// if n < 0) from the store.
func (a *app) completeStore(mode completeMode, n int) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if n >= 0 && len(args) >= n {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return a.storeCompletions(cmd.Context(), mode, toComplete)
	}
}

// completeUpload completes upload's arguments: local files, and, from the
// second argument on, store paths for a word that starts like an account.
func (a *app) completeUpload(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return nil, cobra.ShellCompDirectiveDefault
	}
	c, d := a.storeCompletions(cmd.Context(), completeAll, toComplete)
	if len(c) == 0 {
		return nil, cobra.ShellCompDirectiveDefault // no store match: local files
	}
	return c, d
}

// completeKeyArgs completes add-key's ID, then a local key file.
func (a *app) completeKeyArgs(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return a.storeCompletions(cmd.Context(), completeAccountIDs, toComplete)
	}
	if len(args) == 1 {
		return nil, cobra.ShellCompDirectiveDefault
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// completeMemberArgs completes add-member's ORG, ID and role.
func (a *app) completeMemberArgs(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	switch len(args) {
	case 0, 1:
		return a.storeCompletions(cmd.Context(), completeAccountIDs, toComplete)
	case 2:
		return []cobra.Completion{"owner", "maintainer", "write", "read"}, cobra.ShellCompDirectiveNoFileComp
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// storeCompletions lists what toComplete may go on to: accounts, then an
// account's repositories, then a folder's entries. Folders end in a slash
// and take no space after them, so a tab goes on into them. Names that
// would not survive the shell's completion protocol (control characters)
// are left out; a store that cannot be read completes nothing.
func (a *app) storeCompletions(ctx context.Context, mode completeMode, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	const none = cobra.ShellCompDirectiveNoFileComp
	ctx, cancel := context.WithTimeout(ctx, completeTimeout)
	defer cancel()
	a.completing = true
	store, err := a.openStore(ctx, false)
	if err != nil {
		return nil, none | cobra.ShellCompDirectiveError
	}
	defer store.Close()
	parts := strings.SplitN(toComplete, "/", 3)
	var out []cobra.Completion
	add := func(s string) bool {
		if strings.HasPrefix(s, toComplete) && safe.Text(s) == s && !strings.ContainsAny(s, "\t\n") {
			out = append(out, s)
		}
		return len(out) < completeMatches
	}
	switch {
	case len(parts) == 1:
		suffix := "/"
		if mode == completeAccountIDs {
			suffix = ""
		}
		err = scan(ctx, func(req backend.PageRequest) (backend.Page[backend.Account], error) {
			return store.ListAccounts(ctx, "", req)
		}, func(acc backend.Account) bool { return add(acc.ID + suffix) })
	case mode == completeAccountIDs || mode == completeAccounts:
		return nil, none
	case len(parts) == 2:
		suffix := "/"
		if mode == completeRepos {
			suffix = ""
		}
		err = scan(ctx, func(req backend.PageRequest) (backend.Page[backend.Repository], error) {
			return store.ListRepositories(ctx, parts[0], req)
		}, func(r backend.Repository) bool { return add(r.Ref().String() + suffix) })
	case mode == completeAll:
		err = a.completePath(ctx, store, parts, add)
	}
	if err != nil && len(out) == 0 {
		return nil, none | cobra.ShellCompDirectiveError
	}
	directive := none
	for _, c := range out {
		if strings.HasSuffix(c, "/") {
			directive |= cobra.ShellCompDirectiveNoSpace
			break
		}
	}
	return out, directive
}

// completePath adds the entries of the folder parts[2] names up to its
// last slash.
func (a *app) completePath(ctx context.Context, store *access.Store, parts []string, add func(string) bool) error {
	ref := backend.RepoRef{AccountID: parts[0], RepositoryID: parts[1]}
	folder := ""
	if i := strings.LastIndexByte(parts[2], '/'); i >= 0 {
		folder = parts[2][:i]
	}
	prefix := ref.String() + "/"
	return scan(ctx, func(req backend.PageRequest) (backend.Page[backend.Entry], error) {
		return store.ListObjects(ctx, ref, folder, req)
	}, func(e backend.Entry) bool {
		if e.Odd != "" {
			return true
		}
		name := prefix + e.Path
		if e.IsDir() {
			name += "/"
		}
		return add(name)
	})
}

// scan walks a paged listing until fn says stop or completeScan items
// were read.
func scan[T any](ctx context.Context, list func(backend.PageRequest) (backend.Page[T], error), fn func(T) bool) error {
	req, seen := backend.PageRequest{}, 0
	for {
		page, err := list(req)
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			seen++
			if !fn(it) || seen >= completeScan {
				return nil
			}
		}
		if page.Next == "" || ctx.Err() != nil {
			return ctx.Err()
		}
		req.Cursor = page.Next
	}
}
