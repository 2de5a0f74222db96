package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/transfer"
	"github.com/coopterm/coop/internal/safe"
)

// maxWorkers bounds --workers.
const maxWorkers = 1024

// transferFlags are the flags upload, download and rm share.
type transferFlags struct {
	workers      int
	overwrite    bool
	skipExisting bool
}

// register adds the transfer flags to fs; conflicts adds the two that say
// what happens to a file that exists.
func (tf *transferFlags) register(fs *pflag.FlagSet, conflicts bool) {
	fs.IntVar(&tf.workers, "workers", transfer.DefaultWorkers, "files moved at once (large files also move parts in parallel)")
	if conflicts {
		fs.BoolVar(&tf.overwrite, "overwrite", false, "replace files that exist (by default such a file fails, nothing is replaced)")
		fs.BoolVar(&tf.skipExisting, "skip-existing", false, "leave files that exist and skip them")
	}
}

// transferCommand makes upload or download, with the transfer flags.
func transferCommand(use, short, long string, run func(context.Context, []string, transferFlags) error) *cobra.Command {
	var tf transferFlags
	cmd := leaf(use, short, long+`

Progress goes to stderr (a bar on a terminal), one line per finished job and
a summary to stdout; the exit code is 1 if any file failed.`,
		func(ctx context.Context, pos []string) error { return run(ctx, pos, tf) })
	tf.register(flagsOf(cmd), true)
	return cmd
}

// checkWorkers refuses a --workers outside 1…maxWorkers.
func checkWorkers(n int) error {
	if n < 1 || n > maxWorkers {
		return usagef("--workers must be between 1 and %d, not %d", maxWorkers, n)
	}
	return nil
}

func (tf transferFlags) check() (transfer.Policy, error) {
	if err := checkWorkers(tf.workers); err != nil {
		return 0, err
	}
	switch {
	case tf.overwrite && tf.skipExisting:
		return 0, usagef("--overwrite and --skip-existing cannot be used together")
	case tf.overwrite:
		return transfer.Overwrite, nil
	case tf.skipExisting:
		return transfer.Skip, nil
	}
	return transfer.Fail, nil
}

const uploadUsage = "usage: coop upload [--overwrite|--skip-existing] [--workers N] LOCAL... ACCOUNT/REPO[/PATH]"

func (a *app) uploadCommand() *cobra.Command {
	cmd := transferCommand("upload LOCAL... ACCOUNT/REPO/PATH", "Upload files and folders",
		`PATH may be left out: the repository's top. A file goes to PATH/NAME (or to
PATH itself, when one file goes to a PATH that is not a folder); a folder to
PATH/NAME/…; a folder given with a trailing slash, "DIR/", puts DIR's
contents straight into PATH.`, a.cmdUpload)
	cmd.ValidArgsFunction = a.completeUpload
	return cmd
}

// cmdUpload uploads files and folders: a file as PATH/NAME (or as PATH
// itself, when one file goes to a PATH that is not a folder), a folder as
// PATH/NAME/…, and a folder given with a trailing slash as its contents
// directly under PATH.
func (a *app) cmdUpload(ctx context.Context, pos []string, tf transferFlags) error {
	policy, err := tf.check()
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usagef(uploadUsage)
	}
	t, err := parseTarget(pos[len(pos)-1])
	if err != nil {
		return err
	}
	if t.repo == "" {
		return usagef("upload needs a repository: ACCOUNT/REPO[/PATH], not %q", pos[len(pos)-1])
	}
	sources := pos[:len(pos)-1]
	store, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer store.Close()
	return a.runPlanned(ctx, store, tf.workers, func(q *transfer.Queue) (plan, error) {
		return planUpload(ctx, store, q, sources, t, policy, strings.HasSuffix(pos[len(pos)-1], "/")), nil
	})
}

// planUpload says the jobs of an upload of sources to t. The repository
// is looked up while the target is, and what the uploads ask first
// (transfer.Queue.Prepare: whether the repository has a document, the
// files' connections) goes beside both: one round trip. The jobs start
// before the repository's lookup has answered (their first files are
// held back until their own lookup of it does: see backend.Gate); its
// refusal ends the run (plan.admitted).
func planUpload(ctx context.Context, store backend.Store, q *transfer.Queue, sources []string, t target, policy transfer.Policy, slash bool) plan {
	repoErr := make(chan error, 1)
	go func() {
		_, err := store.GetRepository(ctx, t.account, t.repo)
		repoErr <- err
	}()
	var specs []transfer.Spec
	var pre []string // failures found before any job starts
	for _, src := range sources {
		fi, err := os.Stat(src)
		if err != nil {
			pre = append(pre, fmt.Sprintf("%s: %v", src, localMessage(err)))
			continue
		}
		spec := transfer.Spec{Repo: t.ref(), Local: src, Policy: policy, Kind: transfer.UploadFile}
		abs, _ := filepath.Abs(src)
		name := filepath.Base(abs)
		switch {
		case fi.IsDir() && strings.HasSuffix(src, string(filepath.Separator)):
			spec.Kind, spec.Remote = transfer.UploadTree, t.path
		case fi.IsDir():
			spec.Kind, spec.Remote = transfer.UploadTree, backend.JoinPath(t.path, name)
		case len(sources) == 1 && t.path != "" && !slash:
			// One file to PATH: PATH itself unless it is a folder. The
			// upload's first requests go while that is looked at.
			spec.Remote = t.path
			q.Prepare(spec)
			if isFolder(ctx, store, t.ref(), t.path) {
				spec.Remote = backend.JoinPath(t.path, name)
			}
		default:
			spec.Remote = backend.JoinPath(t.path, name)
		}
		specs = append(specs, spec)
	}
	for _, s := range specs {
		q.Prepare(s)
	}
	return plan{specs: specs, pre: pre, admitted: func() error { return <-repoErr }}
}

// pathKind is what a repository path names.
type pathKind int

const (
	fileKind pathKind = iota + 1
	folderKind
)

// classify tells a folder from a file, or says the path names nothing;
// for a file it gives the object as the store describes it.
func classify(ctx context.Context, store backend.Store, repo backend.RepoRef, p string) (pathKind, backend.ObjectInfo, error) {
	return classifyBy(ctx, store, repo, p, func() (bool, error) {
		_, err := store.ListObjects(ctx, repo, p, backend.PageRequest{Limit: 1})
		return err == nil, err
	})
}

// classifyBy is classify, listed telling whether p lists as a folder
// (else why not).
func classifyBy(ctx context.Context, store backend.Store, repo backend.RepoRef, p string, listed func() (bool, error)) (pathKind, backend.ObjectInfo, error) {
	if p == "" {
		if _, err := store.GetRepository(ctx, repo.AccountID, repo.RepositoryID); err != nil {
			return 0, backend.ObjectInfo{}, err
		}
		return folderKind, backend.ObjectInfo{}, nil
	}
	// Both questions at once: one round trip. A folder is known by its
	// listing alone; the object's lookup is not waited for then. Where
	// the store can look a file up without asking whether it is a folder
	// (backend.FileStatter), it does not list the folder again after
	// finding no object, a request that nothing would wait for.
	type stat struct {
		info backend.ObjectInfo
		err  error
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stated := make(chan stat, 1)
	go func() {
		var st stat
		if sf := backend.CapabilitiesOf(store).StatFile; sf != nil {
			st.info, st.err = sf.StatFile(sctx, repo, p)
		} else {
			st.info, st.err = store.StatObject(sctx, repo, p)
		}
		stated <- st
	}()
	folder, listErr := listed()
	if folder {
		return folderKind, backend.ObjectInfo{}, nil
	}
	st := <-stated
	info, err := st.info, st.err
	switch {
	case errors.Is(err, backend.ErrNotFound) && !errors.Is(listErr, backend.ErrNotFound):
		// No object, and the listing failed otherwise (a missing
		// bucket, say): its reason is the one to give.
		return 0, backend.ObjectInfo{}, listErr
	case err != nil:
		return 0, backend.ObjectInfo{}, err
	}
	if info.ContentType == backend.DirectoryContentType {
		return folderKind, backend.ObjectInfo{}, nil
	}
	return fileKind, info, nil
}

// classifyDownload is classify for a download, whose listing of the path
// as a folder (pf) is already under way: its first answer tells a
// folder, and the path is looked up as a file beside it.
func classifyDownload(ctx context.Context, store backend.Store, repo backend.RepoRef, p string, pf *transfer.Prefetch) (pathKind, backend.ObjectInfo, error) {
	return classifyBy(ctx, store, repo, p, pf.Folder)
}

// isFolder reports whether p is a folder with something in it.
func isFolder(ctx context.Context, store backend.Store, repo backend.RepoRef, p string) bool {
	_, err := store.ListObjects(ctx, repo, p, backend.PageRequest{Limit: 1})
	return err == nil
}

// stdinTerminal reports whether stdin is a terminal a person can answer on.
func (a *app) stdinTerminal() bool {
	if a.isStdinTerminal != nil {
		return a.isStdinTerminal()
	}
	f, ok := a.stdin.(*os.File)
	return ok && isTerminalFile(f)
}

// confirm asks a yes/no question on stderr and reads the answer.
func (a *app) confirm(question string) bool {
	fmt.Fprintf(a.stderr, "coop: %s [y/N] ", safe.Text(question))
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false
	}
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}

// localMessage rewords a local file system error as a short reason.
func localMessage(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "no such file or folder"
	case errors.Is(err, os.ErrPermission):
		return "permission denied"
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
