package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/transfer"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

// deleteDialog asks before anything is deleted: once with the number of
// objects and bytes (counted in a command for folders), and, when a
// folder is among them, a second time by typing its name. The folders'
// delete jobs are limited to the objects counted: what appears in them
// after the count is left in place.
type deleteDialog struct {
	repo      backend.RepoRef
	targets   []target
	files     int   // targets that are files
	folders   int   // targets that are folders
	objects   int64 // objects in all, once counted
	bytes     int64
	confirmed *transfer.Confirmed // what the count found in the folders

	counting bool
	req      uint64
	seen     *atomic.Int64 // objects counted so far, for the spinner line
	cancel   context.CancelFunc

	second   bool   // the second confirmation: type the word
	typed    string // what the user typed for it
	mismatch bool   // enter was pressed on a wrong word
}

// countMsg is the result of counting the objects under the folders of a
// delete: their number and bytes, and every object found.
type countMsg struct {
	req            uint64
	objects, bytes int64
	confirmed      *transfer.Confirmed
	err            error
}

// openDelete asks to delete ts, counting the objects of folders first.
func (m *Model) openDelete(ts []target) tea.Cmd {
	d := &deleteDialog{repo: m.tree.repo, targets: ts}
	var folders []string
	for _, t := range ts {
		if t.dir {
			d.folders++
			folders = append(folders, t.path)
		} else {
			d.files++
			d.objects++
			d.bytes += t.size
		}
	}
	m.del = d
	if d.folders == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(m.c.Ctx)
	d.counting, d.req, d.cancel, d.seen = true, m.c.nextID(), cancel, &atomic.Int64{}
	return tea.Batch(m.spin(), countObjects(ctx, m.store, d.repo, folders, d.req, d.seen))
}

// countObjects walks folders, sums their objects and bytes, and records
// each object found (the set the delete jobs are limited to: a path per
// object, a few MB for 100,000); seen follows the count as it grows.
func countObjects(ctx context.Context, store backend.StorageClient, repo backend.RepoRef, folders []string, req uint64, seen *atomic.Int64) tea.Cmd {
	return func() tea.Msg {
		msg := countMsg{req: req, confirmed: &transfer.Confirmed{}}
		for _, f := range folders {
			err := backend.Walk(ctx, store, repo, f, func(page []backend.Entry) error {
				for _, e := range page {
					msg.confirmed.Add(e)
					if !e.IsDir() {
						msg.objects++
						msg.bytes += e.Size
					}
				}
				seen.Store(msg.objects)
				return nil
			})
			switch {
			case errors.Is(err, backend.ErrNotFound): // nothing under it
			case err != nil:
				msg.err = fmt.Errorf("count the objects in %s/%s: %w", repo, f, err)
				return msg
			}
		}
		msg.confirmed.Seal()
		return msg
	}
}

func (m *Model) onCount(msg countMsg) tea.Cmd {
	d := m.del
	if d == nil || !d.counting || d.req != msg.req {
		return nil
	}
	d.counting = false
	d.cancel()
	if msg.err != nil {
		m.del = nil
		if errors.Is(msg.err, context.Canceled) {
			return nil
		}
		return m.showError("Nothing deleted", msg.err)
	}
	d.objects += msg.objects
	d.bytes += msg.bytes
	d.confirmed = msg.confirmed
	return nil
}

// closeDelete drops the delete dialog, stopping its count.
func (m *Model) closeDelete() {
	if d := m.del; d != nil && d.cancel != nil {
		d.cancel()
	}
	m.del = nil
	m.note = "nothing deleted"
}

// word is what the second confirmation asks the user to type: the
// folder's name, or "delete" for several folders.
func (d *deleteDialog) word() string {
	if name, ok := d.folderName(); ok {
		return name
	}
	return "delete"
}

// them names the folders in the dialog: "raw/", or "the folders".
func (d *deleteDialog) them() string {
	if name, ok := d.folderName(); ok {
		return name + "/"
	}
	return "the folders"
}

// folderName is the name of the dialog's one folder, made safe.
func (d *deleteDialog) folderName() (string, bool) {
	if d.folders != 1 {
		return "", false
	}
	for _, t := range d.targets {
		if t.dir {
			return safe.Text(t.path[strings.LastIndexByte(t.path, '/')+1:]), true
		}
	}
	return "", false
}

// onDeleteKey answers the delete dialog.
func (m *Model) onDeleteKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.c.Keys
	d := m.del
	if d.second {
		switch {
		case key.Matches(msg, k.Cancel):
			m.closeDelete()
		case key.Matches(msg, k.Submit):
			if d.typed != d.word() {
				d.mismatch = true
				return nil
			}
			return m.submitDelete()
		case msg.Code == tea.KeyBackspace && msg.Mod == 0:
			d.typed = dropLastRune(d.typed)
		case msg.Text != "" && msg.Mod&^tea.ModShift == 0:
			d.typed += sanitizeInput(msg.Text)
			d.mismatch = false
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Cancel), msg.String() == "n":
		m.closeDelete()
	case key.Matches(msg, k.Confirm) && !d.counting:
		if d.folders > 0 {
			d.second = true
			return nil
		}
		return m.submitDelete()
	}
	return nil
}

// submitDelete queues one delete job per target.
func (m *Model) submitDelete() tea.Cmd {
	d := m.del
	m.del = nil
	var errs []error
	for _, t := range d.targets {
		spec := transfer.Spec{Kind: transfer.DeleteFile, Repo: d.repo, Remote: t.path}
		if t.dir {
			spec.Kind, spec.Confirmed = transfer.DeleteTree, d.confirmed
		}
		if err := m.xfer.submit(spec); err != nil {
			errs = append(errs, err)
		}
	}
	if m.tree != nil && m.tree.repo == d.repo {
		m.tree.marks = nil
	}
	if len(errs) > 0 {
		return m.showError("Could not delete", errors.Join(errs...))
	}
	m.note = "deleting " + d.summary() + " (" + m.keyName(m.c.Keys.Transfers) + " shows transfers)"
	return nil
}

// summary is "3 objects (1.2 MiB)".
func (d *deleteDialog) summary() string {
	return plural(int(d.objects), "object", "objects") + " (" + humanize.Bytes(d.bytes) + ")"
}

// deleteBox draws the delete dialog.
func (m *Model) deleteBox() string {
	s := &m.c.Styles
	d := m.del
	w := min(m.c.Width-6, 72)
	var what []string
	if d.files > 0 {
		what = append(what, plural(d.files, "file", "files"))
	}
	if d.folders > 0 {
		what = append(what, plural(d.folders, "folder", "folders"))
	}
	lines := []string{s.ErrorTitle.Render(fit("Delete "+strings.Join(what, " and ")+" from "+safe.Text(d.repo.String())+"?", w)), ""}
	for i, t := range d.targets {
		if i == 5 {
			lines = append(lines, s.Muted.Render(fit(fmt.Sprintf("  … and %d more", len(d.targets)-5), w)))
			break
		}
		name := safe.Text(t.path)
		info := humanize.Bytes(t.size)
		if t.dir {
			name += "/"
			info = "folder"
		}
		lines = append(lines, s.Row.Render(fit("  "+name, w-12))+s.Muted.Render(alignRight(info, 12)))
	}
	lines = append(lines, "")
	switch {
	case d.counting:
		lines = append(lines, s.Accent.Render(m.spinner.View()+" counting the objects in "+plural(d.folders, "folder", "folders")+"… "+
			humanize.Count(d.seen.Load())+" so far"), "", s.Muted.Render("esc cancels"))
	case d.second:
		lines = append(lines,
			s.Warning.Render(fit("This deletes "+d.summary()+", folders and all.", w)),
			s.Muted.Render(fit("Objects added to "+d.them()+" after the count are left in place.", w)),
			s.Row.Render(fit("Type "+d.word()+" and press enter to delete; esc cancels.", w)), "",
			s.Accent.Render("> ")+s.Row.Render(safe.Text(d.typed)+"█"))
		if d.mismatch {
			lines = append(lines, s.Error.Render(fit("that is not "+d.word()+"; nothing deleted yet", w)))
		}
	default:
		lines = append(lines, s.Row.Render(fit("This deletes "+d.summary()+". It cannot be undone.", w)), "")
		next := "deletes"
		if d.folders > 0 {
			next = "continues"
		}
		lines = append(lines, s.Muted.Render(m.keyName(m.c.Keys.Confirm)+" "+next+" · n or "+m.keyName(m.c.Keys.Cancel)+" keeps them"))
	}
	return s.ErrorBox.Render(strings.Join(lines, "\n"))
}

// askQuit quits at once unless jobs are unfinished: then it asks.
func (m *Model) askQuit() tea.Cmd {
	if m.xfer == nil || m.xfer.active() == 0 {
		return m.quit()
	}
	m.quitting = true
	return nil
}

// onQuitKey answers the quit dialog.
func (m *Model) onQuitKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.c.Keys
	switch {
	case key.Matches(msg, k.Confirm):
		return m.quit()
	case key.Matches(msg, k.Cancel), msg.String() == "n":
		m.quitting = false
	}
	return nil
}

// quitBox draws the quit dialog.
func (m *Model) quitBox() string {
	s := &m.c.Styles
	n := m.xfer.active()
	lines := []string{
		s.ErrorTitle.Render("Quit with " + plural(n, "transfer", "transfers") + " unfinished?"), "",
		s.Row.Render("Quitting cancels them. Files already transferred are kept"),
		s.Row.Render("and recorded in the metadata."), "",
		s.Muted.Render(m.keyName(m.c.Keys.Confirm) + " quits · n or " + m.keyName(m.c.Keys.Cancel) + " stays"),
	}
	return s.ErrorBox.Render(strings.Join(lines, "\n"))
}

// onDecisionKey answers the overwrite dialog about job j.
func (m *Model) onDecisionKey(msg tea.KeyPressMsg, j transfer.Job) tea.Cmd {
	k := &m.c.Keys
	for _, c := range []struct {
		b key.Binding
		d transfer.Decision
	}{{k.DecideOverwrite, transfer.DecideOverwrite}, {k.DecideSkip, transfer.DecideSkip},
		{k.DecideOverwriteAll, transfer.DecideOverwriteAll}, {k.DecideSkipAll, transfer.DecideSkipAll},
		{k.DecideCancel, transfer.DecideCancel}} {
		if key.Matches(msg, c.b) {
			return m.decide(j, c.d)
		}
	}
	return nil
}

// decisionBox draws the overwrite dialog for job j.
func (m *Model) decisionBox(j transfer.Job) string {
	s := &m.c.Styles
	w := min(m.c.Width-6, 72)
	where := safe.Text(j.Repo.String()) + "/" + safe.Text(j.Conflict)
	place := "in the repository"
	if j.Kind == transfer.DownloadFile || j.Kind == transfer.DownloadTree {
		where, place = safe.Text(j.Conflict), "on this computer"
	}
	lines := []string{s.Warning.Render(fit("Already exists "+place, w)), ""}
	for _, l := range wrap(where, w) {
		lines = append(lines, s.Row.Render(l))
	}
	lines = append(lines, "", s.Muted.Render(fit(fmt.Sprintf("job %d: %s", j.ID, jobWhat(j)), w)), "")
	lines = append(lines, m.help.ShortHelpView(m.c.Keys.DecisionHelp()))
	return s.HelpBox.Render(strings.Join(lines, "\n"))
}
