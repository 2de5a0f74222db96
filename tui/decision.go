package tui

import (
	"fmt"
	"os"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend/transfer"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

// question asks what to do about a file that an upload or download would
// replace: the oldest unanswered clash of the queue. It sits under the
// dialogs the user opens (layerQuestion), so keys meant for them never
// answer it; the root opens it while a clash waits and closes it when
// none does.
type question struct {
	c     *Common
	x     *transfers
	asked clash     // the clash whose files were looked up
	info  clashInfo // what was found of them
}

// clash names one question: a job and the path it asks about.
type clash struct {
	id   transfer.JobID
	path string
}

// clashInfo is the size and date of the two files of a clash: the one
// there now and the one that would replace it.
type clashInfo struct {
	clash
	there, incoming fileFacts
}

// fileFacts is what the question shows of one file, or why not.
type fileFacts struct {
	size int64
	mod  time.Time
	err  error
}

// clashInfoMsg brings a clash's clashInfo.
type clashInfoMsg clashInfo

// want looks up the two files of the clash asked about, once per clash:
// in the repository with StatObject, on this machine with os.Stat.
func (q *question) want() tea.Cmd {
	j, ok := q.x.question()
	if !ok {
		return nil
	}
	c := clash{j.ID, j.Conflict}
	if q.asked == c {
		return nil
	}
	q.asked = c
	src, ctx, repo := q.c.src, q.c.Ctx, j.Repo
	remote, local := j.Conflict, j.ConflictWith
	download := j.Kind == transfer.DownloadFile || j.Kind == transfer.DownloadTree
	if download {
		remote, local = j.ConflictWith, j.Conflict
	}
	return func() tea.Msg {
		var r, l fileFacts
		if remote != "" {
			info, err := src.StatObject(ctx, repo, remote)
			r = fileFacts{size: info.Size, mod: info.ModTime, err: err}
		}
		if local != "" {
			fi, err := os.Stat(local)
			if err == nil {
				l = fileFacts{size: fi.Size(), mod: fi.ModTime()}
			} else {
				l.err = err
			}
		}
		if download {
			return clashInfoMsg{clash: c, there: l, incoming: r}
		}
		return clashInfoMsg{clash: c, there: r, incoming: l}
	}
}

// facts renders one file's size and date, "…" while looked up.
func (q *question) facts(f fileFacts, known bool) string {
	switch {
	case !known:
		return "…"
	case f.err != nil:
		return "unknown (" + safe.Text(localError(f.err)) + ")"
	case f.mod.IsZero():
		return humanize.Size(f.size)
	}
	return humanize.Size(f.size) + " · " + f.mod.UTC().Format("2006-01-02 15:04 UTC")
}

func (q *question) layer() layer { return layerQuestion }

// Update answers the clash with the decision of the key pressed; other
// keys do nothing.
func (q *question) Update(msg tea.Msg) tea.Cmd {
	if info, ok := msg.(clashInfoMsg); ok {
		if info.clash == q.asked {
			q.info = clashInfo(info)
		}
		return nil
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	j, ok := q.x.question()
	if !ok {
		return nil
	}
	keys := &q.c.Keys
	for _, c := range []struct {
		b key.Binding
		d transfer.Decision
	}{{keys.DecideOverwrite, transfer.DecideOverwrite}, {keys.DecideSkip, transfer.DecideSkip},
		{keys.DecideOverwriteAll, transfer.DecideOverwriteAll}, {keys.DecideSkipAll, transfer.DecideSkipAll},
		{keys.DecideCancel, transfer.DecideCancel}} {
		if key.Matches(k, c.b) {
			if err := q.x.answer(j, c.d); err != nil {
				q.c.shell.fail("Could not answer", err)
			}
			return nil
		}
	}
	return nil
}

// View draws the clash: where the file is, and which job asks.
func (q *question) View(width, height int) string {
	j, ok := q.x.question()
	if !ok {
		return strings.Join(blankLines(width, height), "\n")
	}
	s := &q.c.Styles
	w := boxWidth(width, 72)
	where := safe.Text(j.Repo.String()) + "/" + safe.Text(j.Conflict)
	place, there, incoming := "in the repository", "there now:", "yours:"
	if j.Kind == transfer.DownloadFile || j.Kind == transfer.DownloadTree {
		where, place, there, incoming = safe.Text(j.Conflict), "on this computer", "yours:", "in the repository:"
	}
	lines := []string{s.Warning.Render(fit("Already exists "+place, w)), ""}
	for _, l := range wrap(where, w) {
		lines = append(lines, s.Row.Render(l))
	}
	known := q.info.clash == clash{j.ID, j.Conflict}
	lw := max(len(there), len(incoming)) + 1
	lines = append(lines, "",
		s.Label.Render(fit(there, lw))+s.Value.Render(fit(q.facts(q.info.there, known), w-lw)),
		s.Label.Render(fit(incoming, lw))+s.Value.Render(fit(q.facts(q.info.incoming, known), w-lw)))
	lines = append(lines, "", s.Muted.Render(fit(fmt.Sprintf("job %d: %s", j.ID, jobWhatIn(j, w-len(fmt.Sprintf("job %d: ", j.ID)))), w)), "")
	lines = append(lines, q.c.shortHelp(q.c.Keys.DecisionHelp()))
	return dialog(s.HelpBox, lines, width, height)
}

// ShortHelp is empty: the box names its keys.
func (q *question) ShortHelp() []key.Binding { return []key.Binding{} }

// FullHelp is the answers.
func (q *question) FullHelp() [][]key.Binding { return [][]key.Binding{q.c.Keys.DecisionHelp()} }
