package tui

import (
	"fmt"
	"os"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

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

// shortFacts is facts in at most room cells where it can be, for a
// narrow box: the size in binary units alone and the date without its
// zone (UTC still), with a plain blank between them if need be.
func (q *question) shortFacts(f fileFacts, known bool, room int) string {
	if !known || f.err != nil || f.mod.IsZero() {
		if known && f.err == nil {
			return humanize.Bytes(f.size)
		}
		return q.facts(f, known)
	}
	size, date := humanize.Bytes(f.size), f.mod.UTC().Format("2006-01-02 15:04")
	if s := size + " · " + date; ansi.StringWidth(s) <= room {
		return s
	}
	return size + " " + date
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

// View draws the clash: where the file is, both files' size and date,
// and which job asks. Where the box cannot hold that in full, it keeps
// both files' facts: the labels and facts get shorter to fit the width,
// and on a short screen the path goes on one line (cut in the middle)
// and the job's line goes first.
func (q *question) View(width, height int) string {
	j, ok := q.x.question()
	if !ok {
		return strings.Join(blankLines(width, height), "\n")
	}
	s := &q.c.Styles
	w := boxWidth(width, 72)
	where := safe.Text(j.Repo.String()) + "/" + safe.Text(j.Conflict)
	place, labels, short := "in the repository", [2]string{"there now:", "yours:"}, [2]string{"there:", "yours:"}
	if j.Kind == transfer.DownloadFile || j.Kind == transfer.DownloadTree {
		where, place, labels, short = safe.Text(j.Conflict), "on this computer", [2]string{"yours:", "in the repository:"}, [2]string{"yours:", "repo:"}
	}
	known := q.info.clash == clash{j.ID, j.Conflict}
	facts := q.factLines(labels, [2]string{q.facts(q.info.there, known), q.facts(q.info.incoming, known)}, w, false)
	if facts == nil {
		room := w - max(len(short[0]), len(short[1])) - 1
		facts = q.factLines(short, [2]string{q.shortFacts(q.info.there, known, room), q.shortFacts(q.info.incoming, known, room)}, w, true)
	}
	job := s.Muted.Render(fit(fmt.Sprintf("job %d: %s", j.ID, jobWhatIn(j, w-len(fmt.Sprintf("job %d: ", j.ID)))), w))
	keys := q.c.shortHelp(q.c.Keys.DecisionHelp())
	paths := wrap(where, w)
	room := height - 2 // inside the box's border
	if len(paths)+5 <= room {
		lines := []string{s.Warning.Render(fit("Already exists "+place, w)), ""}
		for _, l := range paths {
			lines = append(lines, s.Row.Render(l))
		}
		lines = append(lines, "", facts[0], facts[1], "", job, "", keys)
		return dialog(s.HelpBox, lines, width, height)
	}
	const exists = "Exists: "
	lines := []string{s.Warning.Render(exists) + s.Row.Render(fit(cutMiddle(where, w-len(exists)), w-len(exists))), facts[0], facts[1]}
	if room >= 5 {
		lines = append(lines, job)
	}
	return dialog(s.HelpBox, append(lines, keys), width, height)
}

// factLines renders the two files' labelled facts in w cells, the labels
// aligned; nil if either would be cut, unless cut says to cut it (…).
func (q *question) factLines(labels, facts [2]string, w int, cut bool) []string {
	s := &q.c.Styles
	lw := max(len(labels[0]), len(labels[1])) + 1
	lines := make([]string, 2)
	for i := range lines {
		if !cut && lw+ansi.StringWidth(facts[i]) > w {
			return nil
		}
		lines[i] = s.Label.Render(fit(labels[i], lw)) + s.Value.Render(fit(facts[i], w-lw))
	}
	return lines
}

// ShortHelp is empty: the box names its keys.
func (q *question) ShortHelp() []key.Binding { return []key.Binding{} }

// FullHelp is the answers.
func (q *question) FullHelp() [][]key.Binding { return [][]key.Binding{q.c.Keys.DecisionHelp()} }
