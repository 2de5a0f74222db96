package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/backend/transfer"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

// panelHead is the number of body lines above the job rows: the overall
// progress and a blank line.
const panelHead = 2

// panelRows is the number of jobs on screen; each takes two lines.
func (m *Model) panelRows() int { return max(1, (m.c.bodyHeight()-panelHead)/2) }

// onPanelKey handles a key while the transfers panel is open.
func (m *Model) onPanelKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.c.Keys
	x := m.xfer
	h := m.panelRows()
	n := len(x.jobs)
	switch {
	case key.Matches(msg, k.Quit):
		return m.askQuit()
	case key.Matches(msg, k.Transfers), key.Matches(msg, k.Back), key.Matches(msg, k.Collapse):
		x.panel = false
	case key.Matches(msg, k.Help):
		m.showHelp = true
	case key.Matches(msg, k.Up):
		x.nav.move(-1, n, h)
	case key.Matches(msg, k.Down):
		x.nav.move(1, n, h)
	case key.Matches(msg, k.PageUp):
		x.nav.move(-h, n, h)
	case key.Matches(msg, k.PageDown):
		x.nav.move(h, n, h)
	case key.Matches(msg, k.Top):
		x.nav.move(-n, n, h)
	case key.Matches(msg, k.Bottom):
		x.nav.move(n, n, h)
	case key.Matches(msg, k.ClearJobs):
		x.clearFinished()
		x.nav.clamp(len(x.jobs), h)
	case n == 0:
	case key.Matches(msg, k.CancelJob):
		j := x.jobs[x.nav.cursor]
		if j.State.Final() {
			m.note = fmt.Sprintf("job %d has already finished (%s)", j.ID, j.State)
			return nil
		}
		x.q.Cancel(j.ID)
		m.note = fmt.Sprintf("cancelling job %d", j.ID)
	case key.Matches(msg, k.CancelAll):
		live := x.active()
		if live == 0 {
			m.note = "no job is running or waiting"
			return nil
		}
		x.q.CancelAll()
		m.note = fmt.Sprintf("cancelling %s · R retries one, keeping what is done", plural(live, "job", "jobs"))
	case key.Matches(msg, k.RetryJob):
		j := x.jobs[x.nav.cursor]
		if j.State != transfer.Failed && j.State != transfer.Cancelled {
			m.note = fmt.Sprintf("only a failed or cancelled job can be retried; job %d is %s", j.ID, j.State)
			return nil
		}
		if err := x.q.Retry(j.ID); err != nil {
			return m.showError("Could not retry", err)
		}
		m.note = fmt.Sprintf("retrying job %d", j.ID)
	case key.Matches(msg, k.Open):
		return m.showJobErrors(x.jobs[x.nav.cursor])
	}
	return nil
}

// showJobErrors opens a dialog with a failed job's failures, one a line.
func (m *Model) showJobErrors(j transfer.Job) tea.Cmd {
	if j.Err == nil {
		return nil
	}
	errs := m.xfer.q.ItemErrors(j.ID)
	if len(errs) == 0 {
		return m.showError(fmt.Sprintf("Job %d failed", j.ID), j.Err)
	}
	lines := make([]string, 0, min(len(errs), 20)+1)
	for i, e := range errs {
		if i == 20 {
			lines = append(lines, fmt.Sprintf("… and %s more", humanize.Count(int64(len(errs)-20))))
			break
		}
		lines = append(lines, e.Error())
	}
	return m.showError(fmt.Sprintf("Job %d: %s failed", j.ID, plural(len(errs), "file", "files")), fmt.Errorf("%s", strings.Join(lines, "\n")))
}

// panelLines draws the transfers panel in the body: overall progress,
// then two lines per job, only for the jobs on screen.
func (m *Model) panelLines(bh int) []string {
	s := &m.c.Styles
	w := m.c.Width
	x := m.xfer
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
		overall += "  " + s.Accent.Render(bar(t.Bytes, t.TotalBytes, t.Files, t.TotalFiles, 20)) + " " +
			s.Row.Render(fmt.Sprintf("%3d%% ", percent(t.Bytes, t.TotalBytes, t.Files, t.TotalFiles, false))+
				progressText(t.Bytes, t.TotalBytes, t.Files, t.TotalFiles)+dotted(rateText(t.Rate, t.ETA)))
	}
	lines := make([]string, 0, bh)
	lines = append(lines, fit(overall, w), strings.Repeat(" ", w))
	if len(x.jobs) == 0 {
		lines = append(lines, s.Muted.Render(fit("  nothing yet: u uploads into the folder you are in, D downloads, d deletes", w)))
	}
	for i := x.nav.offset; i < len(x.jobs) && len(lines)+2 <= bh; i++ {
		a, b := m.jobLines(x.jobs[i], i == x.nav.cursor, w)
		lines = append(lines, a, b)
	}
	for len(lines) < bh {
		lines = append(lines, strings.Repeat(" ", w))
	}
	return lines
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
func (m *Model) jobLines(j transfer.Job, selected bool, w int) (string, string) {
	s := &m.c.Styles
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
	what := fit(jobWhat(j), max(1, w-len(head)-stateW-1))
	done := j.State == transfer.Done
	bw := min(24, max(10, w/5))
	b := bar(j.Bytes, j.TotalBytes, j.Files, j.TotalFiles, bw)
	if done {
		b = bar(1, 1, 0, 0, bw)
	}
	info := fmt.Sprintf(" %3d%% ", percent(j.Bytes, j.TotalBytes, j.Files, j.TotalFiles, done)) + progressText(j.Bytes, j.TotalBytes, j.Files, j.TotalFiles)
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
		pad + s.Accent.Render(b) + s.Muted.Render(info) + s.Error.Render(fit(errText, rest))
}

// jobWhat names what a job moves, every name made safe.
func jobWhat(j transfer.Job) string {
	remote := safe.Text(j.Repo.String())
	if j.Remote != "" {
		remote += "/" + safe.Text(j.Remote)
	}
	switch j.Kind {
	case transfer.UploadFile, transfer.UploadTree:
		return safe.Text(j.Local) + " → " + remote
	case transfer.DownloadFile, transfer.DownloadTree:
		return remote + " → " + safe.Text(j.Local)
	}
	return remote
}

// percent is how far a job (or the queue) is: by bytes when it moves
// bytes, else by files.
func percent(b, tb, f, tf int64, done bool) int {
	switch {
	case done:
		return 100
	case tb > 0:
		return int(min(b*100/tb, 100))
	case tf > 0:
		return int(min(f*100/tf, 100))
	}
	return 0
}

// bar draws a progress bar w cells wide between brackets.
func bar(b, tb, f, tf int64, w int) string {
	fill := 0
	switch {
	case tb > 0:
		fill = int(min(b*int64(w)/tb, int64(w)))
	case tf > 0:
		fill = int(min(f*int64(w)/tf, int64(w)))
	}
	return "[" + strings.Repeat("█", fill) + strings.Repeat("░", w-fill) + "]"
}

// progressText is "1.2 MiB of 3.4 MiB · 2 of 5 files", bytes left out
// when none move (deletes).
func progressText(b, tb, f, tf int64) string {
	files := humanize.Count(f) + " of " + plural(int(tf), "file", "files")
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

// transferStatus is the queue's summary for the status line.
func (m *Model) transferStatus() string {
	x := m.xfer
	if x == nil || len(x.jobs) == 0 {
		return ""
	}
	t := x.totals
	var parts []string
	if n := len(x.waiting); n > 0 {
		parts = append(parts, m.c.Styles.Warning.Render(plural(n, "job asks", "jobs ask")+" about overwriting"))
	}
	if n := t.Running + t.Queued; n > 0 {
		parts = append(parts, fmt.Sprintf("%s %d%%", plural(n, "transfer", "transfers"), percent(t.Bytes, t.TotalBytes, t.Files, t.TotalFiles, false)))
		if r := rateText(t.Rate, 0); r != "" {
			parts = append(parts, r)
		}
	}
	if t.Failed > 0 {
		parts = append(parts, m.c.Styles.Error.Render(fmt.Sprintf("%d failed", t.Failed)))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, " · ") + " (" + m.keyName(m.c.Keys.Transfers) + " shows) "
}

// keyName is the first key of a binding, as help shows it.
func (m *Model) keyName(b key.Binding) string {
	h := b.Help().Key
	if i := strings.IndexByte(h, '/'); i > 0 {
		return h[:i]
	}
	return h
}
