package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend/access"
	"github.com/coopterm/coop/backend/migrate"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

// migrateFlags are migrate's flags: the destination store's and the run's.
type migrateFlags struct {
	to                                      options
	dryRun, verify, overwrite, skip, asJSON bool
	workers                                 int
}

func (a *app) migrateCommand() *cobra.Command {
	f := &migrateFlags{to: defaultOptions(func(name string) string { return a.getenv("COOP_TO_" + strings.TrimPrefix(name, "COOP_")) })}
	cmd := leaf("migrate [ACCOUNT[/REPO]...]", "Copy accounts, repositories, objects and metadata to another store",
		`The source is the store the usual flags name; the destination is the one
the --to- flags name (each store flag has a --to- twin and a COOP_TO_
variable). With ACCOUNT or ACCOUNT/REPO arguments, only those. What is
identical is skipped and what differs is a conflict left alone unless
--overwrite, so it is safe to run again.`,
		func(ctx context.Context, pos []string) error { return a.cmdMigrate(ctx, pos, f) })
	fs := flagsOf(cmd)
	f.to.registerDestination(fs)
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the plan, change nothing")
	fs.BoolVar(&f.verify, "verify", false, "read back every object copied and compare its SHA-256")
	fs.BoolVar(&f.overwrite, "overwrite", false, "replace what differs at the destination")
	fs.BoolVar(&f.skip, "skip-existing", false, "skip what the destination holds without comparing")
	fs.IntVar(&f.workers, "workers", migrate.DefaultWorkers, "objects copied at once")
	fs.BoolVar(&f.asJSON, "json", false, "print the summary as JSON")
	cmd.ValidArgsFunction = a.completeStore(completeRepos, -1)
	return cmd
}

// cmdMigrate copies the store the usual flags name to the one the --to-
// flags (or COOP_TO_ variables) name; see package migrate.
func (a *app) cmdMigrate(ctx context.Context, pos []string, f *migrateFlags) error {
	to, dryRun, verify, overwrite, skip, workers, asJSON := f.to, &f.dryRun, &f.verify, &f.overwrite, &f.skip, &f.workers, &f.asJSON
	if err := checkWorkers(*workers); err != nil {
		return err
	}
	if to.backend != "local" && to.backend != "aws" {
		return usagef("--to-backend must be local or aws, not %q", to.backend)
	}
	if *overwrite && *skip {
		return usagef("--overwrite and --skip-existing exclude each other")
	}
	if a.opts.as != "" {
		return usagef("only the machine's owner migrates a store; --as is refused")
	}
	opts := migrate.Options{DryRun: *dryRun, Verify: *verify, Overwrite: *overwrite, SkipExisting: *skip, Workers: *workers}
	for _, p := range pos {
		sel, err := migrate.ParseSelection(strings.TrimSuffix(p, "/"))
		if err != nil {
			return usagef("migrate takes ACCOUNT or ACCOUNT/REPO: %v", err)
		}
		opts.Select = append(opts.Select, sel)
	}
	src, err := a.openBase(ctx, false)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer src.Close()
	da := *a
	da.opts = to
	dst, err := da.openBase(ctx, !*dryRun)
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	defer dst.Close()
	if !*dryRun {
		path, err := da.auditPath()
		if err != nil {
			return err
		}
		log := audit.Open(path, a.auditWarning)
		defer func() { _ = log.Close() }()
		opts.Audit, opts.Actor = log, access.Owner(a.localUser()).Actor()
	}
	p := newMigrateProgress(a.stderr)
	opts.Progress = p.show
	rep, err := migrate.Run(ctx, src, dst, opts)
	p.clear()
	if rep != nil {
		if werr := a.printMigration(rep, *asJSON); werr != nil && err == nil {
			err = werr
		}
	}
	switch {
	case err != nil:
		return err
	case !rep.OK():
		return fmt.Errorf("%d conflicts, %d mismatches, %d failures (see above)", len(rep.Conflicts), len(rep.Mismatches), len(rep.Failed))
	}
	return nil
}

// registerDestination adds the --to- twin of each store flag.
func (o *options) registerDestination(fs *pflag.FlagSet) {
	fs.StringVar(&o.backend, "to-backend", o.backend, "destination backend: local or aws")
	fs.StringVar(&o.storage, "to-storage", o.storage, "destination local storage root")
	fs.StringVar(&o.bucket, "to-bucket", o.bucket, "destination S3 bucket")
	fs.StringVar(&o.region, "to-region", o.region, "destination AWS region")
	fs.StringVar(&o.profile, "to-profile", o.profile, "destination AWS profile")
	fs.StringVar(&o.endpointURL, "to-endpoint-url", o.endpointURL, "destination S3 endpoint URL")
	fs.StringVar(&o.dynamoEndpoint, "to-dynamodb-endpoint", o.dynamoEndpoint, "destination DynamoDB endpoint URL")
	fs.BoolVar(&o.pathStyle, "to-path-style", o.pathStyle, "destination: path-style S3 addressing")
	fs.StringVar(&o.accountsTable, "to-accounts-table", o.accountsTable, "destination accounts table")
	fs.StringVar(&o.repositoriesTable, "to-repositories-table", o.repositoriesTable, "destination repositories table")
	fs.StringVar(&o.sse, "to-sse", o.sse, "destination S3 server-side encryption")
	fs.StringVar(&o.auditLog, "to-audit-log", o.auditLog, "destination audit log (default in its data folder)")
}

// printMigration writes the report: issues as lines on stderr, a line
// per repository and a summary on stdout (or the report as JSON).
func (a *app) printMigration(rep *migrate.Report, asJSON bool) error {
	for _, l := range []struct {
		what   string
		issues []migrate.Issue
	}{{"conflict", rep.Conflicts}, {"mismatch", rep.Mismatches}, {"failed", rep.Failed}, {"note", rep.Notes}} {
		for _, is := range l.issues {
			fmt.Fprintf(a.stderr, "coop: %s: %s %s: %s\n", l.what, is.Kind, safe.Text(is.Target), safe.Text(is.Reason))
		}
	}
	if asJSON {
		return json.NewEncoder(safe.JSONWriter(a.stdout)).Encode(rep)
	}
	verb := "copied"
	if rep.DryRun {
		verb = "to copy"
	}
	for _, r := range rep.Repositories {
		line := fmt.Sprintf("%s: %d objects %s (%s), %d skipped, %d conflicts; %d entries %s, %d skipped, %d conflicts",
			safe.Text(r.Repository), r.Objects.Copied+r.Objects.Overwritten, verb, humanize.Bytes(r.Bytes), r.Objects.Skipped, r.Objects.Conflicts,
			r.Metadata.Copied+r.Metadata.Overwritten, verb, r.Metadata.Skipped, r.Metadata.Conflicts)
		if h := r.HeadFields; h != (migrate.Counts{}) {
			line += fmt.Sprintf("; %d top-level fields %s, %d skipped, %d conflicts", h.Copied+h.Overwritten, verb, h.Skipped, h.Conflicts)
		}
		if rep.Verify && !rep.DryRun {
			line += fmt.Sprintf("; %d verified, %d mismatches", r.Verified, r.Mismatches)
		}
		if _, err := fmt.Fprintln(a.stdout, line); err != nil {
			return err
		}
	}
	prefix := ""
	if rep.DryRun {
		prefix = "dry run, nothing changed: "
	}
	_, err := fmt.Fprintf(a.stdout, "%s%d accounts %s, %d skipped; %d repositories; %d objects %s (%s); %d conflicts, %d mismatches, %d failed in %.1fs\n",
		prefix, rep.Accounts.Copied+rep.Accounts.Overwritten, verb, rep.Accounts.Skipped, len(rep.Repositories),
		rep.Objects.Copied+rep.Objects.Overwritten, verb, humanize.Bytes(rep.Bytes),
		len(rep.Conflicts), len(rep.Mismatches), len(rep.Failed), rep.Seconds)
	return err
}

// migrateProgress shows how far a migration has got on stderr: a line
// rewritten in place on a terminal, a line now and then otherwise.
type migrateProgress struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	every    time.Duration
	last     time.Time
	shown    bool
}

func newMigrateProgress(w io.Writer) *migrateProgress {
	p := &migrateProgress{w: w, every: plainEvery, last: time.Now()}
	if f, ok := w.(*os.File); ok && isTerminalFile(f) {
		p.terminal, p.every = true, 200*time.Millisecond
	}
	return p
}

func (p *migrateProgress) show(pr migrate.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < p.every {
		return
	}
	p.last = time.Now()
	line := fmt.Sprintf("migrating %s: %s, %d objects, %s", safe.Text(pr.Repository), pr.Phase, pr.Objects, humanize.Bytes(pr.Bytes))
	if p.terminal {
		fmt.Fprintf(p.w, "\r\x1b[2K%s", line)
		p.shown = true
		return
	}
	fmt.Fprintf(p.w, "coop: %s\n", line)
}

func (p *migrateProgress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[2K")
		p.shown = false
	}
}
