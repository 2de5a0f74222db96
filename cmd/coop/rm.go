package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/transfer"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

const rmUsage = "usage: coop rm [-r [--all]] [--yes] [--workers N] ACCOUNT/REPO/PATH..."

// rmFlags are rm's flags.
type rmFlags struct {
	transferFlags
	recursive, all, yes bool
}

func (a *app) rmCommand() *cobra.Command {
	var f rmFlags
	cmd := leaf("rm ACCOUNT/REPO/PATH...", "Delete objects; -r deletes folders and all they hold",
		`A folder needs -r, and then --yes, or, on a terminal, a yes to a question
that says how many objects and bytes go. ACCOUNT/REPO itself needs -r --all.`, func(ctx context.Context, pos []string) error { return a.cmdRm(ctx, pos, f) })
	fs := flagsOf(cmd)
	fs.BoolVarP(&f.recursive, "recursive", "r", false, "delete folders and everything in them")
	fs.BoolVar(&f.all, "all", false, "with -r, allow ACCOUNT/REPO: every object of the repository")
	fs.BoolVar(&f.yes, "yes", false, "do not ask before deleting a folder")
	f.register(fs, false)
	cmd.ValidArgsFunction = a.completeStore(completeAll, -1)
	return cmd
}

// cmdRm deletes objects, and folders with -r. Deletes cannot surprise: a
// repository's root needs --all as well as -r; a folder needs --yes, or,
// when stdin is a terminal, a yes to a question that says how many
// objects and bytes go (and then only the objects counted are deleted).
// Declining deletes nothing and is no failure.
func (a *app) cmdRm(ctx context.Context, pos []string, f rmFlags) error {
	tf, recursive, all, yes := f.transferFlags, &f.recursive, &f.all, &f.yes
	if _, err := tf.check(); err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef(rmUsage)
	}
	var targets []target
	for _, arg := range pos {
		t, err := parseTarget(arg)
		if err != nil {
			return err
		}
		switch {
		case t.repo == "":
			return usagef("rm needs ACCOUNT/REPO/PATH, not %q", arg)
		case t.path == "" && (!*recursive || !*all):
			return usagef("rm %s would delete every object of the repository; to mean that, say rm -r --all %s", arg, t.ref())
		}
		targets = append(targets, t)
	}
	a.dial = commandDial("rm")
	store, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer store.Close()
	var specs, folders []transfer.Spec
	var pre []string
	found := a.findTargets(ctx, store, targets, *recursive)
	defer func() {
		for _, f := range found {
			f.listing.Stop()
		}
	}()
	for i, t := range targets {
		where := t.ref().String() + "/" + t.path
		kind, info, err := found[i].kind, found[i].info, found[i].err
		switch {
		case err != nil:
			pre = append(pre, fmt.Sprintf("%s: %v", where, err))
			continue
		case kind == folderKind && !*recursive:
			pre = append(pre, fmt.Sprintf("%s: is a folder; use rm -r to delete it and everything in it", where))
			continue
		case kind == folderKind:
			folders = append(folders, transfer.Spec{Kind: transfer.DeleteTree, Repo: t.ref(), Remote: t.path, Listing: found[i].listing})
			continue
		}
		// The object as classify found it: the delete need not look it
		// up again.
		specs = append(specs, transfer.Spec{Kind: transfer.DeleteFile, Repo: t.ref(), Remote: t.path, Object: &info})
	}
	if len(folders) > 0 && !*yes {
		if !a.stdinTerminal() {
			return usagef("rm -r of %s: stdin is not a terminal to ask on; add --yes to delete without asking (nothing deleted)", folderNames(folders))
		}
		for i := range folders { // the count lists them again
			folders[i].Listing.Stop()
			folders[i].Listing = nil
		}
		ok, err := a.confirmFolders(ctx, store, folders)
		if err != nil {
			return fmt.Errorf("%w (nothing deleted)", err)
		}
		if !ok {
			_, err := fmt.Fprintln(a.stdout, "nothing deleted")
			return err
		}
	}
	return a.runTransfers(ctx, store, tf.workers, append(specs, folders...), pre)
}

// rmTarget is what rm found at one target: its kind (or err), the
// object for a file, and, for a folder of rm -r, its listing under way.
type rmTarget struct {
	kind    pathKind
	info    backend.ObjectInfo
	err     error
	listing *transfer.Listing
}

// rmLookups is how many targets findTargets looks up at once.
const rmLookups = 8

// findTargets tells the folders among the targets from the files, several
// targets at once. With -r a target's listing starts beside the lookup
// that tells whether it is a folder, and the delete goes on with it: the
// folder is not listed again a round trip later. The caller stops the
// listings it does not hand to a job.
func (a *app) findTargets(ctx context.Context, store backend.Store, targets []target, recursive bool) []rmTarget {
	found := make([]rmTarget, len(targets))
	var wg sync.WaitGroup
	sem := make(chan struct{}, rmLookups)
	for i, t := range targets {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			f := &found[i]
			if !recursive || t.path == "" {
				f.kind, f.info, f.err = classify(ctx, store, t.ref(), t.path)
				return
			}
			l := transfer.StartListing(ctx, store, t.ref(), t.path)
			f.kind, f.info, f.err = classifyBy(ctx, store, t.ref(), t.path, func() (bool, error) {
				err := l.Found(ctx)
				return err == nil, err
			})
			if f.err == nil && f.kind == folderKind {
				f.listing = l
			} else {
				l.Stop()
			}
		})
	}
	wg.Wait()
	return found
}

// confirmFolders counts the objects and bytes under the folders and asks
// whether to delete them; on a yes, each delete is limited to the objects
// counted (Spec.Confirmed), so nothing added meanwhile goes too.
func (a *app) confirmFolders(ctx context.Context, store backend.Store, folders []transfer.Spec) (bool, error) {
	set := &transfer.Confirmed{}
	var objects, bytes int64
	for _, f := range folders {
		err := backend.Walk(ctx, store, f.Repo, f.Remote, func(page []backend.Entry) error {
			for _, e := range page {
				set.Add(e)
				if !e.IsDir() {
					objects++
					bytes += e.Size
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, backend.ErrNotFound) {
			return false, fmt.Errorf("count the objects in %s: %w", remoteName(f.Repo, f.Remote), err)
		}
	}
	set.Seal()
	for i := range folders {
		folders[i].Confirmed = set
	}
	q := fmt.Sprintf("delete %s: %s (%s)?", folderNames(folders), countOf(objects, "object"), humanize.Bytes(bytes))
	return a.confirm(q), nil
}

// folderNames lists the folders of delete specs for a message.
func folderNames(folders []transfer.Spec) string {
	names := make([]string, len(folders))
	for i, f := range folders {
		names[i] = remoteName(f.Repo, f.Remote)
	}
	if len(names) > 3 {
		names = append(names[:3], fmt.Sprintf("and %d more", len(names)-3))
	}
	return safe.Text(strings.Join(names, ", "))
}
