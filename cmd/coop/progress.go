package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/transfer"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

// plainEvery spaces the progress lines written when stderr is not a terminal.
const plainEvery = 5 * time.Second

// runTransfers runs specs on a queue, shows progress on stderr (a bar on
// a terminal, a line now and then otherwise), reports each failure as one
// line, prints one line per finished job and a summary on stdout, and
// fails if any file failed. pre are failures found before any job.
func (a *app) runTransfers(ctx context.Context, store backend.Store, workers int, specs []transfer.Spec, pre []string) error {
	return a.runPlanned(ctx, store, workers, func(*transfer.Queue) (plan, error) {
		return plan{specs: specs, pre: pre}, nil
	})
}

// plan is a run's jobs and the failures found before any job.
type plan struct {
	specs []transfer.Spec
	pre   []string
	// admitted, if set, is the lookup that decides the run, waited for
	// once its jobs are submitted: the jobs check the same before their
	// files complete (see backend.Gate), so their first files go beside
	// it. Its error ends the run as a transferPlan's does.
	admitted func() error
}

// transferPlan says a run's plan once the queue is there: what the jobs
// will ask first (transfer.Queue.Prepare) can go beside the lookups that
// decide them. An error ends the run before any job is submitted.
type transferPlan func(q *transfer.Queue) (plan, error)

// runPlanned is runTransfers with the jobs said by plan.
func (a *app) runPlanned(ctx context.Context, store backend.Store, workers int, plan transferPlan) error {
	start := time.Now()
	// Thousands of small requests make much short-lived garbage; collecting
	// it less often costs some memory and saves a good share of the CPU.
	a.gc.setPercent(200)
	q := transfer.New(ctx, store, transfer.Options{Workers: workers})
	defer func() { _ = q.Close() }() // closed below on the normal path
	// Subscribed before anything is submitted: a job that fails at once
	// (a download target in the way) must not fail unseen.
	sub := q.Subscribe()
	defer sub.Close()
	pl, err := plan(q)
	for _, p := range pl.pre {
		fmt.Fprintf(a.stderr, "coop: %s\n", safe.Text(p))
	}
	if err != nil {
		return err
	}
	specs := pl.specs
	failed := int64(len(pl.pre))
	for _, s := range specs {
		if _, err := q.Submit(s); err != nil {
			fmt.Fprintf(a.stderr, "coop: %s\n", safe.Text(err.Error()))
			failed++
		}
	}
	if pl.admitted != nil {
		if err := pl.admitted(); err != nil {
			q.CancelAll() // refused by their own lookups too: nothing of theirs is kept
			return err
		}
	}
	r := &reporter{out: a.stdout, err: a.stderr, reported: map[transfer.JobID]bool{}}
	if f, ok := a.stderr.(*os.File); ok && isTerminalFile(f) {
		r.bar, r.width = true, terminalWidth(f)
	}
	var last transfer.Totals
	interrupted := false
	for len(specs) > 0 {
		u, err := sub.Next(ctx)
		if err != nil {
			interrupted = ctx.Err() != nil
			if interrupted {
				// What was stored is being recorded; a second Ctrl-C
				// (default handling again) ends the process at once.
				signal.Reset(os.Interrupt, syscall.SIGTERM)
				r.clearBar()
				fmt.Fprintln(a.stderr, "coop: stopping; recording what was transferred (Ctrl-C again to quit at once)")
			}
			break
		}
		r.show(u)
		last = u.Totals
		if u.Totals.Idle {
			break
		}
	}
	r.clearBar()
	if err := q.Close(); err != nil { // cancels what is left, writes metadata
		return err
	}
	for _, j := range q.Jobs() {
		r.jobDone(j)
	}
	// Transferred files and bytes leave out what was skipped (or done by
	// an earlier run): the rate is of bytes moved. Failed files count
	// toward the total even when they failed before they were counted.
	var files, skipped, bytes, total int64
	for _, j := range q.Jobs() {
		files += j.Files - j.Skipped
		skipped += j.Skipped
		failed += j.Failed
		bytes += j.Bytes - j.Unmoved
		total += max(j.TotalFiles, j.Files+j.Failed)
	}
	took := time.Since(start)
	line := countOf(files, "file")
	if bytes > 0 {
		line += fmt.Sprintf(" (%s) in %s, %s/s", humanize.Bytes(bytes), took.Round(time.Millisecond), humanize.Bytes(int64(float64(bytes)/max(took.Seconds(), 1e-3))))
	} else {
		line += " in " + took.Round(time.Millisecond).String()
	}
	if skipped > 0 {
		line += fmt.Sprintf(", %s skipped", humanize.Count(skipped))
	}
	if failed > 0 {
		line += fmt.Sprintf(", %s failed", humanize.Count(failed))
	}
	fmt.Fprintf(a.stdout, "done: %s\n", line)
	switch {
	case interrupted:
		return errors.New("interrupted; files already transferred are kept and recorded")
	case failed > 0:
		return fmt.Errorf("%s of %s files failed", humanize.Count(failed), humanize.Count(max(last.TotalFiles, total, failed)))
	}
	return nil
}

// reporter writes what a transfer run shows.
type reporter struct {
	out, err  io.Writer
	bar       bool
	width     int
	barShown  bool
	lastPlain time.Time
	reported  map[transfer.JobID]bool
}

// show takes one Update: failures and finished jobs as lines, then the
// bar (or, without a terminal, a progress line every few seconds).
func (r *reporter) show(u transfer.Update) {
	for _, f := range u.Failures {
		r.clearBar()
		fmt.Fprintf(r.err, "coop: %s\n", failureLine(f))
	}
	for _, j := range u.Jobs {
		if j.State.Final() {
			r.clearBar()
			r.jobDone(j)
		}
	}
	t := u.Totals
	switch {
	case r.bar:
		line := progressLine(t)
		if r.width > 1 && len(line) >= r.width {
			line = line[:r.width-1]
		}
		fmt.Fprintf(r.err, "\r\x1b[2K%s", line)
		r.barShown = true
	case time.Since(r.lastPlain) >= plainEvery && !t.Idle:
		if !r.lastPlain.IsZero() {
			fmt.Fprintf(r.err, "coop: %s\n", progressLine(t))
		}
		r.lastPlain = time.Now()
	}
}

// clearBar removes the bar before a line is written.
func (r *reporter) clearBar() {
	if r.barShown {
		fmt.Fprint(r.err, "\r\x1b[2K")
		r.barShown = false
	}
}

// jobDone writes the line of a finished job, once.
func (r *reporter) jobDone(j transfer.Job) {
	if !j.State.Final() || r.reported[j.ID] {
		return
	}
	r.reported[j.ID] = true
	var what string
	switch j.Kind {
	case transfer.UploadFile, transfer.UploadTree:
		what = fmt.Sprintf("upload %s → %s", j.Local, remoteName(j.Repo, j.Remote))
	case transfer.DownloadFile, transfer.DownloadTree:
		what = fmt.Sprintf("download %s → %s", remoteName(j.Repo, j.Remote), j.Local)
	default:
		what = "delete " + remoteName(j.Repo, j.Remote)
	}
	res := countOf(j.Files-j.Skipped, "file")
	if moved := j.Bytes - j.Unmoved; moved > 0 {
		res += " (" + humanize.Bytes(moved) + ")"
	}
	if j.Skipped > 0 {
		res += fmt.Sprintf(", %s skipped", humanize.Count(j.Skipped))
	}
	if j.Unchecked > 0 {
		res += fmt.Sprintf(", %s not checkable by coop (checksum recorded in another form than SHA-256)", countOf(j.Unchecked, "file"))
	}
	switch j.State {
	case transfer.Failed:
		res += fmt.Sprintf(", %s failed", humanize.Count(j.Failed))
	case transfer.Cancelled:
		res += ", cancelled"
	}
	fmt.Fprintf(r.out, "%s: %s\n", safe.Text(what), res)
}

// countOf renders "1 file", "2 files", "1,000 files".
func countOf(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return humanize.Count(n) + " " + noun + "s"
}

// remoteName renders ACCOUNT/REPO/PATH.
func remoteName(repo backend.RepoRef, p string) string {
	if p == "" {
		return repo.String()
	}
	return repo.String() + "/" + p
}

// failureLine renders one failed file for stderr.
func failureLine(f transfer.ItemError) string {
	msg := f.Error()
	if errors.Is(f.Err, transfer.ErrWouldOverwrite) {
		msg += " (use --overwrite or --skip-existing)"
	}
	return safe.Text(msg)
}

// progressLine renders the queue's totals in one line.
func progressLine(t transfer.Totals) string {
	var b strings.Builder
	if t.TotalBytes > 0 {
		frac := min(float64(t.Bytes)/float64(t.TotalBytes), 1)
		const width = 20
		full := int(frac * width)
		b.WriteString("[" + strings.Repeat("=", full) + strings.Repeat(" ", width-full) + "] ")
		fmt.Fprintf(&b, "%3.0f%% %s/%s", frac*100, humanize.Bytes(t.Bytes), humanize.Bytes(t.TotalBytes))
	}
	fmt.Fprintf(&b, "  %s/%s files", humanize.Count(t.Files), humanize.Count(t.TotalFiles))
	if t.Rate > 0 {
		fmt.Fprintf(&b, "  %s/s", humanize.Bytes(int64(t.Rate)))
	}
	if t.ETA > 0 {
		fmt.Fprintf(&b, "  ETA %s", t.ETA.Round(time.Second))
	}
	if t.NeedsDecision > 0 {
		fmt.Fprintf(&b, "  %d waiting", t.NeedsDecision)
	}
	if t.Note != "" {
		b.WriteString("  " + safe.Text(t.Note))
	}
	return strings.TrimSpace(b.String())
}

// isTerminalFile reports whether f is a terminal.
func isTerminalFile(f *os.File) bool { return term.IsTerminal(f.Fd()) }

// terminalWidth is f's width in columns, 80 if unknown.
func terminalWidth(f *os.File) int {
	if w, _, err := term.GetSize(f.Fd()); err == nil && w > 0 {
		return w
	}
	return 80
}
