package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/backend/transfer"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

// panelHead is the number of body lines above the job rows: the overall
// progress and a blank line.
const panelHead = 2

// panel is the transfers panel: one job per two lines, with a bar, rate,
// ETA and state, over the whole body.
type panel struct {
	c   *Common
	x   *transfers
	nav nav
}

func newPanel(c *Common, x *transfers) *panel {
	p := &panel{c: c, x: x}
	p.nav.clamp(len(x.jobs), p.rows())
	return p
}

func (p *panel) layer() layer { return layerPanel }

// rows is the number of jobs on screen; each takes two lines.
func (p *panel) rows() int { return max(1, (p.c.bodyHeight()-panelHead)/2) }

// columns replaces the page's column titles.
func (p *panel) columns(width int) string {
	return p.c.Styles.ColumnHeader.Render(fit("TRANSFERS", width))
}

// Update handles the panel's keys, the wheel, and a change of the jobs or
// of the window.
func (p *panel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return p.onKey(msg)
	case tea.MouseWheelMsg:
		p.nav.scroll(wheelRows(msg), len(p.x.jobs), p.rows())
	case tea.WindowSizeMsg, transferMsg:
		p.nav.clamp(len(p.x.jobs), p.rows())
	}
	return nil
}

func (p *panel) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &p.c.Keys
	x := p.x
	h := p.rows()
	n := len(x.jobs)
	switch {
	case key.Matches(msg, k.Quit):
		return p.c.shell.askQuit()
	case key.Matches(msg, k.Transfers, k.Back, k.Collapse):
		p.c.shell.close(p)
	case key.Matches(msg, k.Help):
		p.c.shell.open(&helpBox{c: p.c, first: "Transfers panel"})
	case key.Matches(msg, k.Up):
		p.nav.move(-1, n, h)
	case key.Matches(msg, k.Down):
		p.nav.move(1, n, h)
	case key.Matches(msg, k.PageUp):
		p.nav.move(-h, n, h)
	case key.Matches(msg, k.PageDown):
		p.nav.move(h, n, h)
	case key.Matches(msg, k.Top):
		p.nav.move(-n, n, h)
	case key.Matches(msg, k.Bottom):
		p.nav.move(n, n, h)
	case key.Matches(msg, k.ClearJobs):
		x.clearFinished()
		p.nav.clamp(len(x.jobs), h)
	case n == 0:
	case key.Matches(msg, k.CancelJob):
		j := x.jobs[p.nav.cursor]
		if j.State.Final() {
			p.c.shell.say(fmt.Sprintf("job %d has already finished (%s)", j.ID, j.State))
			return nil
		}
		x.q.Cancel(j.ID)
		p.c.shell.sayJob(fmt.Sprintf("cancelling job %d", j.ID), j.ID)
	case key.Matches(msg, k.CancelAll):
		live := x.active()
		if live == 0 {
			p.c.shell.say("no job is running or waiting")
			return nil
		}
		x.q.CancelAll()
		p.c.shell.sayJob(fmt.Sprintf("cancelling %s · R retries one, keeping what is done", plural(live, "job", "jobs")), 0)
	case key.Matches(msg, k.RetryJob):
		j := x.jobs[p.nav.cursor]
		if j.State != transfer.Failed && j.State != transfer.Cancelled {
			p.c.shell.say(fmt.Sprintf("only a failed or cancelled job can be retried; job %d is %s", j.ID, j.State))
			return nil
		}
		if err := x.q.Retry(j.ID); err != nil {
			p.c.shell.fail("Could not retry", err)
			return nil
		}
		p.c.shell.sayJob(fmt.Sprintf("retrying job %d", j.ID), j.ID)
	case key.Matches(msg, k.Open):
		p.showJobErrors(x.jobs[p.nav.cursor])
	}
	return nil
}

// showJobErrors opens an error box with a failed job's failures, one a
// line.
func (p *panel) showJobErrors(j transfer.Job) {
	if j.Err == nil {
		return
	}
	errs := p.x.q.ItemErrors(j.ID)
	if len(errs) == 0 {
		p.c.shell.fail(fmt.Sprintf("Job %d failed", j.ID), j.Err)
		return
	}
	lines := make([]string, 0, min(len(errs), 20)+1)
	for i, e := range errs {
		if i == 20 {
			lines = append(lines, fmt.Sprintf("… and %s more", humanize.Count(int64(len(errs)-20))))
			break
		}
		lines = append(lines, e.Error())
	}
	p.c.shell.fail(fmt.Sprintf("Job %d: %s failed", j.ID, plural(len(errs), "file", "files")), fmt.Errorf("%s", strings.Join(lines, "\n")))
}

// ShortHelp is the panel's keys.
func (p *panel) ShortHelp() []key.Binding { return p.c.Keys.PanelHelp() }

// FullHelp is every key of the browser, as on the pages.
func (p *panel) FullHelp() [][]key.Binding { return p.c.Keys.FullHelp() }

// View draws overall progress, then two lines per job, only for the jobs
// on screen.
func (p *panel) View(w, bh int) string {
	s := &p.c.Styles
	x := p.x
	t := x.totals
	var sum []string
	for _, c := range []struct {
		n    int
		name string
	}{{t.Running, "running"}, {t.NeedsDecision, "waiting"}, {t.Queued, "queued"}, {t.Done, "done"}, {t.Failed, "failed"}, {t.Cancelled, "cancelled"}} {
		if c.n > 0 {
			sum = append(sum, fmt.Sprintf("%d %s", c.n, c.name))
		}
	}
	if len(sum) == 0 {
		sum = append(sum, "no transfers")
	}
	overall := " " + s.Accent.Render("All") + "  " + s.Row.Render(strings.Join(sum, " · "))
	if t.TotalBytes > 0 || t.TotalFiles > 0 {
		overall += "  " + p.c.bar(t.Bytes, t.TotalBytes, t.Files, t.TotalFiles, false, false, 20) + " " +
			s.Row.Render(fmt.Sprintf("%3d%% ", percent(t.Bytes, t.TotalBytes, t.Files, t.TotalFiles, false))+
				progressText(t.Bytes, t.TotalBytes, t.Files, t.TotalFiles, x.failedFiles())+dotted(rateText(x.rate())))
	}
	blank := strings.Repeat(" ", w)
	lines := make([]string, 0, bh)
	lines = append(lines, fit(overall, w), blank)
	if len(x.jobs) == 0 {
		lines = append(lines, s.Muted.Render(fit("  nothing yet: u uploads into the folder you are in, D downloads, d deletes", w)))
	}
	for i := p.nav.offset; i < len(x.jobs) && len(lines)+2 <= bh; i++ {
		a, b := p.jobLines(x.jobs[i], i == p.nav.cursor, w)
		lines = append(lines, a, b)
	}
	for len(lines) < bh {
		lines = append(lines, blank)
	}
	return strings.Join(lines[:bh], "\n")
}

// dotted prefixes a non-empty part with a separator.
func dotted(s string) string {
	if s == "" {
		return ""
	}
	return " · " + s
}

// jobLines draws one job in two lines: kind, what it moves and its state;
// then a bar, the percentage, what is done, rate and ETA, or its error.
func (p *panel) jobLines(j transfer.Job, selected bool, w int) (string, string) {
	s := &p.c.Styles
	state := j.State.String()
	if j.State == transfer.NeedsDecision {
		state = "asks: overwrite?"
	}
	stateStyle := s.Muted
	switch j.State {
	case transfer.Done:
		stateStyle = s.Success
	case transfer.Failed:
		stateStyle = s.Error
	case transfer.NeedsDecision, transfer.Cancelled:
		stateStyle = s.Warning
	case transfer.Running:
		stateStyle = s.Accent
	}
	const stateW = 17
	head := " " + fit(j.Kind.String(), 9)
	what := fit(jobWhatIn(j, max(1, w-len(head)-stateW-1)), max(1, w-len(head)-stateW-1))
	done := j.State == transfer.Done
	bw := min(24, max(10, w/5))
	b := p.c.bar(j.Bytes, j.TotalBytes, j.Files, j.TotalFiles, done, selected, bw)
	info := fmt.Sprintf(" %3d%% ", percent(j.Bytes, j.TotalBytes, j.Files, j.TotalFiles, done, j.Failed)) + progressText(j.Bytes, j.TotalBytes, j.Files, j.TotalFiles, j.Failed)
	if j.Counting && !j.State.Final() {
		info += " (counting)"
	}
	if j.Skipped > 0 {
		info += fmt.Sprintf(" · %s skipped", humanize.Count(j.Skipped))
	}
	if !j.State.Final() {
		if j.Kind.String() == "delete" {
			if j.Rate > 0 {
				info += fmt.Sprintf(" · %.0f files/s", j.Rate)
			}
		} else {
			info += dotted(rateText(j.Rate, j.ETA))
		}
	}
	var errText string
	if j.Err != nil {
		errText = " · " + safe.Text(j.Err.Error())
	}
	pad := strings.Repeat(" ", len(head))
	if selected {
		return s.Selected.Render(head + what + " " + alignRight(state, stateW)),
			s.Selected.Render(fit(pad+b+info+errText, w))
	}
	rest := max(0, w-len(pad)-ansi.StringWidth(b)-ansi.StringWidth(info))
	return s.Row.Render(head+what) + " " + stateStyle.Render(alignRight(state, stateW)),
		pad + b + s.Muted.Render(info) + s.Error.Render(fit(errText, rest))
}

// jobWhatIn names what a job moves, every name made safe, in at most w
// cells: where a name does
// not fit, the source and the destination are each cut in the middle,
// so both ends of both paths (the account, the file name) stay.
func jobWhatIn(j transfer.Job, w int) string {
	remote := safe.Text(j.Repo.String())
	if j.Remote != "" {
		remote += "/" + safe.Text(j.Remote)
	}
	from, to := remote, ""
	switch j.Kind {
	case transfer.UploadFile, transfer.UploadTree:
		from, to = safe.Text(j.Local), remote
	case transfer.DownloadFile, transfer.DownloadTree:
		to = safe.Text(j.Local)
	}
	if to == "" {
		return cutMiddle(from, w)
	}
	const arrow = " → "
	fw, tw := ansi.StringWidth(from), ansi.StringWidth(to)
	if room := w - len([]rune(arrow)); fw+tw > room {
		// The destination gets at least half, or what it needs.
		tw = min(tw, max(room/2, room-fw))
		fw = max(0, room-tw)
	}
	return cutMiddle(from, fw) + arrow + cutMiddle(to, tw)
}

// percent is how far a job (or the queue) is: by bytes when it moves
// bytes, else by files.
func percent(b, tb, f, tf int64, done bool, failed ...int64) int {
	switch {
	case len(failed) > 0 && failed[0] > 0:
		// Files failed: what is done of every file, failed ones too.
		return int(min(f*100/max(1, tf, f+failed[0]), 100))
	case done:
		return 100
	case tb > 0:
		return int(min(b*100/tb, 100))
	case tf > 0:
		return int(min(f*100/tf, 100))
	}
	return 0
}

// bar draws a progress bar w cells wide between brackets, with the
// bubbles progress bar: by bytes when any move, else by files; full once
// done. A plain bar carries no colour, for a selected row. A bar differs
// only by how many cells are filled, so each drawing is kept (in
// Common.bars, cleared with the theme) and a frame of many jobs draws each
// kind once.
func (c *Common) bar(b, tb, f, tf int64, done, plain bool, w int) string {
	fill := w
	switch {
	case done:
	case tb > 0:
		fill = int(min(b, tb) * int64(w) / tb)
	case tf > 0:
		fill = int(min(f, tf) * int64(w) / tf)
	default:
		fill = 0
	}
	k := barKey{fill: fill, width: w, plain: plain}
	if s, ok := c.bars[k]; ok {
		return s
	}
	p := c.progress
	p.SetWidth(w)
	if plain {
		p.FullColor, p.EmptyColor = lipgloss.NoColor{}, lipgloss.NoColor{}
	} else {
		p.FullColor = c.Styles.Accent.GetForeground()
		p.EmptyColor = p.FullColor
	}
	s := "[" + p.ViewAs(float64(fill)/float64(max(w, 1))) + "]"
	if c.bars == nil || len(c.bars) >= 512 {
		c.bars = map[barKey]string{}
	}
	c.bars[k] = s
	return s
}

// barKey names one drawing of a progress bar.
type barKey struct {
	fill, width int
	plain       bool
}

// progressText is "1.2 MiB of 3.4 MiB · 2 of 5 files", bytes left out
// when none move (deletes).
// Failed files count toward the total (some fail before they are
// counted: an unreadable file of a folder).
func progressText(b, tb, f, tf, failed int64) string {
	files := humanize.Count(f) + " of " + plural(int(max(tf, f+failed)), "file", "files")
	if failed > 0 {
		files += " · " + humanize.Count(failed) + " failed"
	}
	if tb == 0 {
		return files
	}
	return humanize.Bytes(b) + " of " + humanize.Bytes(tb) + " · " + files
}

// rateText is " · 3.2 MiB/s · ETA 5s", empty parts left out.
func rateText(rate float64, eta time.Duration) string {
	s := ""
	if rate > 0 {
		s = humanize.Bytes(int64(rate)) + "/s"
	}
	if eta > 0 {
		if s != "" {
			s += " · "
		}
		s += "ETA " + eta.Round(time.Second).String()
	}
	return s
}

// rate is the bytes per second of the uploads and downloads running,
// the sum of their rows' rates (each over its own run, bytes skipped left
// out), so that the header and the rows agree; and the time left at it.
// Nothing runs: no rate.
func (x *transfers) rate() (float64, time.Duration) {
	var r float64
	var left int64
	for _, j := range x.jobs {
		if j.State.Final() || j.Kind == transfer.DeleteFile || j.Kind == transfer.DeleteTree {
			continue
		}
		r += j.Rate
		left += max(0, j.TotalBytes-j.Bytes)
	}
	if r <= 0 {
		return 0, 0
	}
	return r, time.Duration(float64(left) / r * float64(time.Second))
}

// failedFiles counts the files failed in the jobs shown.
func (x *transfers) failedFiles() int64 {
	var n int64
	for _, j := range x.jobs {
		n += j.Failed
	}
	return n
}

// transferStatus is the queue's summary for the status line.
func (x *transfers) status(c *Common) string {
	if x == nil || len(x.jobs) == 0 {
		return ""
	}
	t := x.totals
	var parts []string
	if n := len(x.waiting); n > 0 {
		parts = append(parts, c.Styles.Warning.Render(plural(n, "job asks", "jobs ask")+" about overwriting"))
	}
	if n := t.Running + t.Queued; n > 0 {
		parts = append(parts, fmt.Sprintf("%s %d%%", plural(n, "transfer", "transfers"), percent(t.Bytes, t.TotalBytes, t.Files, t.TotalFiles, false)))
		if r, _ := x.rate(); r > 0 {
			parts = append(parts, rateText(r, 0))
		}
	}
	if t.Failed > 0 {
		parts = append(parts, c.Styles.Error.Render(fmt.Sprintf("%d failed", t.Failed)))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, " · ") + " (" + keyName(c.Keys.Transfers) + " shows) "
}
