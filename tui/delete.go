package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
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
	c         *Common
	x         *transfers
	repo      backend.RepoRef
	targets   []target
	done      func() // called once the jobs are submitted
	files     int    // targets that are files
	folders   int    // targets that are folders
	objects   int64  // objects in all, once counted
	bytes     int64
	confirmed *transfer.Confirmed // what the count found in the folders

	counting bool
	req      uint64
	seen     *atomic.Int64 // objects counted so far, for the spinner line
	cancel   context.CancelFunc

	second   bool            // the second confirmation: type the word
	input    textinput.Model // what the user typed for it
	mismatch bool            // enter was pressed on a wrong word
}

// countMsg is the result of counting the objects under the folders of a
// delete: their number and bytes, and every object found.
type countMsg struct {
	req            uint64
	objects, bytes int64
	confirmed      *transfer.Confirmed
	err            error
}

// newDeleteDialog asks to delete ts from repo, counting the objects of
// folders first; done runs once the jobs are queued.
func newDeleteDialog(c *Common, x *transfers, repo backend.RepoRef, ts []target, done func()) (*deleteDialog, tea.Cmd) {
	d := &deleteDialog{c: c, x: x, repo: repo, targets: ts, done: done, input: newInput(c, "> ")}
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
	if d.folders == 0 {
		return d, nil
	}
	ctx, cancel := context.WithCancel(c.Ctx)
	d.counting, d.req, d.cancel, d.seen = true, c.nextID(), cancel, &atomic.Int64{}
	return d, tea.Batch(c.spin(), countObjects(ctx, c.src, d.repo, folders, d.req, d.seen))
}

func (d *deleteDialog) layer() layer { return layerDialog }

// loading reports whether the folders are being counted.
func (d *deleteDialog) loading() bool { return d.counting }

// countObjects walks folders, sums their objects and bytes, and records
// each object found (the set the delete jobs are limited to: a path per
// object, a few MB for 100,000); seen follows the count as it grows.
func countObjects(ctx context.Context, src backend.ObjectLister, repo backend.RepoRef, folders []string, req uint64, seen *atomic.Int64) tea.Cmd {
	return func() tea.Msg {
		msg := countMsg{req: req, confirmed: &transfer.Confirmed{}}
		for _, f := range folders {
			err := backend.Walk(ctx, src, repo, f, func(page []backend.Entry) error {
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

// Update handles the count's result and the keys: the confirm key (once
// counted) goes on, n or the cancel key keeps everything; at the second
// question the typed word and enter.
func (d *deleteDialog) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case countMsg:
		d.onCount(msg)
	case tea.PasteMsg:
		if d.second {
			pasteInto(&d.input, msg.Content)
			d.mismatch = false
		}
	case tea.KeyPressMsg:
		return d.onKey(msg)
	}
	return nil
}

func (d *deleteDialog) onCount(msg countMsg) {
	if !d.counting || d.req != msg.req {
		return
	}
	d.counting = false
	d.cancel()
	if msg.err != nil {
		d.c.shell.close(d)
		if !errors.Is(msg.err, context.Canceled) {
			d.c.shell.fail("Nothing deleted", msg.err)
		}
		return
	}
	d.objects += msg.objects
	d.bytes += msg.bytes
	d.confirmed = msg.confirmed
}

func (d *deleteDialog) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &d.c.Keys
	if d.second {
		switch {
		case key.Matches(msg, k.Cancel):
			d.abandon()
		case key.Matches(msg, k.Submit):
			if d.input.Value() != d.word() {
				d.mismatch = true
				return nil
			}
			return d.submit()
		case editKey(&d.input, msg):
			d.mismatch = false
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Cancel), msg.String() == "n":
		d.abandon()
	case key.Matches(msg, k.Confirm) && !d.counting:
		if d.folders > 0 {
			d.second = true
			return d.input.Focus()
		}
		return d.submit()
	}
	return nil
}

// abandon closes the dialog, stopping its count.
func (d *deleteDialog) abandon() {
	if d.cancel != nil {
		d.cancel()
	}
	d.c.shell.close(d)
	d.c.shell.say("nothing deleted")
}

// submit queues one delete job per target.
func (d *deleteDialog) submit() tea.Cmd {
	d.c.shell.close(d)
	var errs []error
	for _, t := range d.targets {
		spec := transfer.Spec{Kind: transfer.DeleteFile, Repo: d.repo, Remote: t.path}
		if t.dir {
			spec.Kind, spec.Confirmed = transfer.DeleteTree, d.confirmed
		}
		if err := d.x.submit(spec); err != nil {
			errs = append(errs, err)
		}
	}
	d.done()
	if len(errs) > 0 {
		d.c.shell.fail("Could not delete", errors.Join(errs...))
		return nil
	}
	d.c.shell.sayJob("deleting "+d.summary()+" ("+keyName(d.c.Keys.Transfers)+" shows transfers)", 0)
	return nil
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

// summary is "3 objects (1.2 MiB)".
func (d *deleteDialog) summary() string {
	return plural(int(d.objects), "object", "objects") + " (" + humanize.Bytes(d.bytes) + ")"
}

// View draws the question: what is deleted, how much, and what to type.
func (d *deleteDialog) View(width, height int) string {
	s := &d.c.Styles
	w := boxWidth(width, 72)
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
		lines = append(lines, s.Accent.Render(d.c.spinner.View()+" counting the objects in "+plural(d.folders, "folder", "folders")+"… "+
			humanize.Count(d.seen.Load())+" so far"), "", s.Muted.Render("esc cancels"))
	case d.second:
		lines = append(lines,
			s.Warning.Render(fit("This deletes "+d.summary()+", folders and all.", w)),
			s.Muted.Render(fit("Objects added to "+d.them()+" after the count are left in place.", w)),
			s.Row.Render(fit("Type "+d.word()+" and press enter to delete; esc cancels.", w)), "",
			viewInput(d.input, s, w, true))
		if d.mismatch {
			lines = append(lines, s.Error.Render(fit("that is not "+d.word()+"; nothing deleted yet", w)))
		}
	default:
		lines = append(lines, s.Row.Render(fit("This deletes "+d.summary()+". It cannot be undone.", w)), "")
		next := "deletes"
		if d.folders > 0 {
			next = "continues"
		}
		lines = append(lines, s.Muted.Render(keyName(d.c.Keys.Confirm)+" "+next+" · n or "+keyName(d.c.Keys.Cancel)+" keeps them"))
	}
	return dialog(s.ErrorBox, lines, width, height)
}

// ShortHelp is the prompt's keys at the second question, else nothing:
// the box names its keys.
func (d *deleteDialog) ShortHelp() []key.Binding {
	if d.second {
		return d.c.Keys.PromptHelp()[1:]
	}
	return []key.Binding{}
}

// FullHelp is the dialog's keys.
func (d *deleteDialog) FullHelp() [][]key.Binding {
	return [][]key.Binding{{d.c.Keys.Confirm, d.c.Keys.Submit, d.c.Keys.Cancel}}
}
