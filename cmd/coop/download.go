package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/coopterm/coop/backend/transfer"
)

const downloadUsage = "usage: coop download [--overwrite|--skip-existing] [--workers N] ACCOUNT/REPO[/PATH][/] LOCAL|-"

func (a *app) downloadCommand() *cobra.Command {
	cmd := transferCommand("download ACCOUNT/REPO/PATH LOCAL", "Download a file or a folder",
		`Where the copy goes follows rsync's rules, so running the same download
again lays out the same tree (with --skip-existing it then fetches only
what is missing):

a folder (or ACCOUNT/REPO) goes to LOCAL/NAME; with a trailing slash
(ACCOUNT/REPO/PATH/, ACCOUNT/REPO/) its contents go straight into LOCAL;
LOCAL is made if it is missing.

A file goes into LOCAL if LOCAL is a folder or ends with a slash, else it
is written as LOCAL. LOCAL - writes the file to stdout (escaped on a
terminal, as coop cat does).`, a.cmdDownload)
	cmd.ValidArgsFunction = a.completeDownload
	return cmd
}

// completeDownload completes the store path, then a local file.
func (a *app) completeDownload(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return a.storeCompletions(cmd.Context(), completeAll, toComplete)
	}
	if len(args) == 1 {
		return nil, cobra.ShellCompDirectiveDefault
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// cmdDownload downloads a file or a folder to where downloadDest says, or
// a file to stdout.
func (a *app) cmdDownload(ctx context.Context, pos []string, tf transferFlags) error {
	policy, err := tf.check()
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef(downloadUsage)
	}
	t, err := parseTarget(pos[0])
	if err != nil {
		return err
	}
	if t.repo == "" {
		return usagef("download needs ACCOUNT/REPO[/PATH], not %q", pos[0])
	}
	a.dial = commandDial("download")
	store, err := a.openStore(ctx, false)
	if err != nil {
		return err
	}
	defer store.Close()
	// The listing and the checksums a folder's download needs are asked
	// for beside the question whether the path is a folder, which the
	// listing's first answer also settles: the transfers start one round
	// trip sooner.
	pf := transfer.StartDownload(ctx, store, t.ref(), t.path)
	defer pf.Close()
	contents := strings.HasSuffix(pos[0], "/")
	if contents && pos[1] != "-" {
		pf.ExpectFolder(store, tf.workers) // said to be a folder
	}
	kind, info, err := classifyDownload(ctx, store, t.ref(), t.path, pf)
	if err != nil {
		return err
	}
	switch {
	case kind == fileKind && contents:
		return usagef("%s is a file: a trailing slash means a folder's contents", strings.TrimSuffix(pos[0], "/"))
	case pos[1] == "-" && kind == folderKind:
		return usagef("%s is a folder: only a file can go to stdout (-)", pos[0])
	case pos[1] == "-":
		pf.Close()
		store.Close()
		return a.cmdCat(ctx, []string{pos[0]}, "")
	}
	name := t.repo
	if t.path != "" {
		name = t.path[strings.LastIndexByte(t.path, '/')+1:]
	}
	fi, statErr := os.Stat(pos[1])
	dest := downloadDest(kind, contents, name, pos[1], statErr == nil && fi.IsDir())
	spec := transfer.Spec{Kind: transfer.DownloadFile, Repo: t.ref(), Local: dest, Remote: t.path, Policy: policy, Prefetch: pf}
	if kind == folderKind {
		spec.Kind = transfer.DownloadTree
	} else {
		spec.Object = &info // not looked up again
		pf.StopListing()
	}
	return a.runTransfers(ctx, store, tf.workers, []transfer.Spec{spec}, nil)
}

// downloadDest is where a download of the file or folder called name goes,
// by rsync's rules, which make a second run lay out the same tree as the
// first: a folder goes to local/name, or, given with a trailing slash
// (contents), straight into local; a file goes into local when local is a
// folder (or ends with a slash), else it is written as local.
func downloadDest(kind pathKind, contents bool, name, local string, localIsDir bool) string {
	endsInSlash := strings.HasSuffix(local, "/") || strings.HasSuffix(local, string(filepath.Separator))
	switch {
	case kind == folderKind && contents:
		return local
	case kind == folderKind, localIsDir, endsInSlash:
		return filepath.Join(local, name)
	}
	return local
}
