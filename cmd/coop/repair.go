package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
	"github.com/coopterm/coop/backend/repair"
	"github.com/coopterm/coop/backend/transfer"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

const repairUsage = "usage: coop repo repair ACCOUNT/REPO [--dry-run] [--verify] [--rebuild] [--json] [--workers N]"

// repairFlags are repo repair's flags.
type repairFlags struct {
	dryRun, verify, rebuild, asJSON bool
	workers                         int
}

func (a *app) repoRepairCommand() *cobra.Command {
	var f repairFlags
	cmd := leaf("repair ACCOUNT/REPO", "Make .source-metadata.json match the objects",
		`Adds missing entries, drops stale ones and fixes sizes; --verify reads every
object and fixes checksums too; --rebuild replaces an unreadable metadata
file, keeping it as .source-metadata.corrupt-STAMP.json.`,
		func(ctx context.Context, pos []string) error { return a.repoRepair(ctx, pos, f) })
	fs := flagsOf(cmd)
	fs.BoolVar(&f.dryRun, "dry-run", false, "report what would change, write nothing")
	fs.BoolVar(&f.verify, "verify", false, "read every object and fix wrong or missing checksums")
	fs.BoolVar(&f.rebuild, "rebuild", false, "replace an unreadable metadata file, keeping its bytes beside it")
	fs.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
	fs.IntVar(&f.workers, "workers", repair.DefaultWorkers, "objects read at once")
	cmd.ValidArgsFunction = a.completeStore(completeRepos, 1)
	return cmd
}

// repoRepair makes a repository's metadata file match its objects (see
// package repair) and reports each change and a summary line.
func (a *app) repoRepair(ctx context.Context, pos []string, f repairFlags) error {
	dryRun, verify, rebuild, asJSON, workers := &f.dryRun, &f.verify, &f.rebuild, &f.asJSON, &f.workers
	if len(pos) != 1 {
		return usagef(repairUsage)
	}
	if err := checkWorkers(*workers); err != nil {
		return err
	}
	t, err := parseTarget(pos[0])
	if err != nil {
		return err
	}
	if t.repo == "" || t.path != "" {
		return usagef("repo repair takes ACCOUNT/REPO, not %q", pos[0])
	}
	store, err := a.openStore(ctx, !*dryRun)
	if err != nil {
		return err
	}
	defer store.Close()
	if !*dryRun {
		// Refused before any object is read, and recorded as the refused
		// metadata update it would be. A repair that goes ahead is
		// recorded as the metadata update it is.
		if err := store.Require(ctx, t.ref(), access.ReadWrite, audit.ActionMetadataUpdate); err != nil {
			return err
		}
		// What killed uploads left: temporary files no live writer holds
		// (local), multipart uploads older than a day (S3).
		n, err := backend.CleanIncomplete(ctx, store, t.ref(), "", true, transfer.DefaultStaleUploadAge)
		if err != nil {
			fmt.Fprintf(a.stderr, "coop: %s: leftovers of interrupted uploads not removed: %s\n", t.ref(), safe.Text(err.Error()))
		} else if n > 0 && !*asJSON {
			fmt.Fprintf(a.stdout, "removed %d leftovers of interrupted uploads\n", n)
		}
	}
	p := a.repairProgress(t.ref())
	rep, err := repair.Run(ctx, store, t.ref(), repair.Options{
		DryRun: *dryRun, Verify: *verify, Rebuild: *rebuild, Workers: *workers, Progress: p.show,
	})
	p.clear()
	switch {
	case errors.Is(err, backend.ErrMetadataCorrupt):
		return fmt.Errorf("%w (coop repo repair --rebuild %s keeps a copy of it and records the objects afresh)", err, t.ref())
	case errors.Is(err, backend.ErrMetadataChanged):
		return fmt.Errorf("%w; run the repair again to see it as it is now", err)
	case err != nil && !errors.Is(err, repair.ErrIncomplete):
		return err
	}
	for _, f := range rep.Failed {
		fmt.Fprintf(a.stderr, "coop: %s/%s: %s\n", safe.Text(rep.Repository), safe.Text(f.Path), safe.Text(f.Error))
	}
	if *asJSON {
		if werr := json.NewEncoder(safe.JSONWriter(a.stdout)).Encode(rep); werr != nil {
			return werr
		}
	} else if werr := printRepair(a.stdout, rep); werr != nil {
		return werr
	}
	if err != nil && rep.Unreadable {
		return fmt.Errorf("%w; they have no entry yet (run coop repo repair %s again)", err, t.ref())
	}
	if err != nil {
		return fmt.Errorf("%w; their entries were left as they were", err)
	}
	return nil
}

// printRepair writes one line per change and the summary line.
func printRepair(w io.Writer, rep repair.Report) error {
	verbs := map[repair.Action]string{repair.Add: "added", repair.Remove: "removed", repair.Update: "updated", repair.Keep: "kept"}
	if rep.DryRun {
		verbs = map[repair.Action]string{repair.Add: "would add", repair.Remove: "would remove", repair.Update: "would update"}
	}
	line := func(c repair.Change) error {
		name := safe.Text(rep.Repository + "/" + c.Path)
		if c.Type == backend.TypeDirectory {
			name += "/"
		}
		_, err := fmt.Fprintf(w, "%s %s: %s\n", verbs[c.Action], name, changeDetail(c))
		return err
	}
	for _, c := range rep.Changes {
		if err := line(c); err != nil {
			return err
		}
	}
	for _, c := range rep.Kept {
		if err := line(c); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w, repairSummary(rep))
	return err
}

// changeDetail says why an entry changes, with the figures that differ.
func changeDetail(c repair.Change) string {
	var parts []string
	for _, r := range c.Reasons {
		switch {
		case r == repair.ReasonSizeDiffers && c.Before != nil && c.After != nil:
			r += fmt.Sprintf(" (recorded %s, object %s)", humanize.Size(c.Before.Size), humanize.Size(c.After.Size))
		case r == repair.ReasonChecksumDiffers && c.Before != nil && c.After != nil:
			r += fmt.Sprintf(" (recorded %s, content %s)", c.Before.Checksum, c.After.Checksum)
		case r == repair.ReasonCRC32CDiffers && c.Before != nil && c.After != nil:
			r += fmt.Sprintf(" (recorded %s, content %s)", c.Before.CRC32C, c.After.CRC32C)
		case (r == repair.ReasonNoEntry || r == repair.ReasonUnreadableKept) && c.After != nil:
			r += " (" + humanize.Size(c.After.Size) + ")"
		}
		parts = append(parts, r)
	}
	return safe.Text(strings.Join(parts, ", "))
}

// repairSummary is the last line: how many entries changed.
func repairSummary(rep repair.Report) string {
	entries := func(n int) string {
		if n == 1 {
			return "1 entry"
		}
		return fmt.Sprintf("%d entries", n)
	}
	if rep.Unreadable {
		return rebuildSummary(rep, entries(rep.Added))
	}
	var s string
	if rep.DryRun {
		s = fmt.Sprintf("repair %s (dry run, nothing written): %s to add, %d to remove, %d to update",
			rep.Repository, entries(rep.Added), rep.Removed, rep.Updated)
	} else {
		s = fmt.Sprintf("repair %s: %s added, %d removed, %d updated", rep.Repository, entries(rep.Added), rep.Removed, rep.Updated)
	}
	if rep.ChecksumsDiffered == 1 {
		s += " (1 checksum differed)"
	} else if rep.ChecksumsDiffered > 1 {
		s += fmt.Sprintf(" (%d checksums differed)", rep.ChecksumsDiffered)
	}
	if n := len(rep.Kept); n > 0 {
		s += fmt.Sprintf(", %d left as another writer recorded them", n)
	}
	if rep.Rebuild {
		s += "; the metadata file was readable, nothing to rebuild"
	}
	return safe.Text(s)
}

// rebuildSummary is the last line of a rebuild: where the unreadable
// file's bytes are kept, and how many entries the new file has.
func rebuildSummary(rep repair.Report, entries string) string {
	backup := rep.Repository + "/" + rep.Backup
	if rep.DryRun {
		return safe.Text(fmt.Sprintf("rebuild %s (dry run, nothing written): the unreadable metadata file would be kept as %s, and a new one record %s",
			rep.Repository, backup, entries))
	}
	return safe.Text(fmt.Sprintf("rebuild %s: the unreadable metadata file is kept as %s; the new one records %s", rep.Repository, backup, entries))
}

// repairProgress shows on stderr how far a repair has got: a line
// rewritten in place on a terminal, a line now and then otherwise.
type repairProgress struct {
	w        io.Writer
	repo     string
	terminal bool
	every    time.Duration
	last     time.Time
	shown    bool
}

func (a *app) repairProgress(ref backend.RepoRef) *repairProgress {
	p := &repairProgress{w: a.stderr, repo: safe.Text(ref.String()), every: plainEvery, last: time.Now()}
	if f, ok := a.stderr.(*os.File); ok && isTerminalFile(f) {
		p.terminal, p.every = true, 200*time.Millisecond
	}
	return p
}

// show is repair.Options.Progress.
func (p *repairProgress) show(pr repair.Progress) {
	if time.Since(p.last) < p.every {
		return
	}
	p.last = time.Now()
	msg := fmt.Sprintf("coop: repair %s: %d objects listed", p.repo, pr.Done)
	if pr.Phase == "read" {
		msg = fmt.Sprintf("coop: repair %s: read %d of %d objects (%s)", p.repo, pr.Done, pr.Total, humanize.Size(pr.Bytes))
	}
	if p.terminal {
		fmt.Fprintf(p.w, "\r\x1b[K%s", msg)
		p.shown = true
		return
	}
	fmt.Fprintln(p.w, msg)
}

// clear removes the progress line from a terminal.
func (p *repairProgress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
