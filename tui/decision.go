package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend/transfer"
	"github.com/coopterm/coop/internal/safe"
)

// question asks what to do about a file that an upload or download would
// replace: the oldest unanswered clash of the queue. It sits under the
// dialogs the user opens (layerQuestion), so keys meant for them never
// answer it; the root opens it while a clash waits and closes it when
// none does.
type question struct {
	c *Common
	x *transfers
}

func (q *question) layer() layer { return layerQuestion }

// Update answers the clash with the decision of the key pressed; other
// keys do nothing.
func (q *question) Update(msg tea.Msg) tea.Cmd {
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
	place := "in the repository"
	if j.Kind == transfer.DownloadFile || j.Kind == transfer.DownloadTree {
		where, place = safe.Text(j.Conflict), "on this computer"
	}
	lines := []string{s.Warning.Render(fit("Already exists "+place, w)), ""}
	for _, l := range wrap(where, w) {
		lines = append(lines, s.Row.Render(l))
	}
	lines = append(lines, "", s.Muted.Render(fit(fmt.Sprintf("job %d: %s", j.ID, jobWhatIn(j, w-len(fmt.Sprintf("job %d: ", j.ID)))), w)), "")
	lines = append(lines, q.c.shortHelp(q.c.Keys.DecisionHelp()))
	return centre(s.HelpBox.Render(strings.Join(lines, "\n")), width, height)
}

// ShortHelp is empty: the box names its keys.
func (q *question) ShortHelp() []key.Binding { return []key.Binding{} }

// FullHelp is the answers.
func (q *question) FullHelp() [][]key.Binding { return [][]key.Binding{q.c.Keys.DecisionHelp()} }
