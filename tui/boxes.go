package tui

import (
	"context"
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/safe"
)

// errorBox shows an error until any key (or a click) dismisses it.
type errorBox struct {
	c     *Common
	title string
	err   error
}

func (b *errorBox) layer() layer { return layerError }

// Update closes the box on a key or a click; the key does nothing else.
func (b *errorBox) Update(msg tea.Msg) tea.Cmd {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.MouseClickMsg:
		b.c.shell.close(b)
	}
	return nil
}

// View draws the error, one paragraph per line of its message (errors.Join,
// a job's failures), each made safe on its own, and a hint by its kind.
func (b *errorBox) View(width, height int) string {
	s := &b.c.Styles
	w := min(width-4, 72)
	lines := []string{s.ErrorTitle.Render(ansi.Truncate(safe.Text(b.title), w, "…")), ""}
	for _, para := range strings.Split(b.err.Error(), "\n") {
		for _, l := range wrap(safe.Text(para), w) {
			lines = append(lines, s.Row.Render(l))
		}
	}
	if hint := errorHint(b.err); hint != "" {
		lines = append(lines, "")
		for _, l := range wrap(hint, w) {
			lines = append(lines, s.Muted.Render(l))
		}
	}
	lines = append(lines, "", s.Muted.Render("press any key to dismiss"))
	return dialog(s.ErrorBox, lines, width, height)
}

// ShortHelp leaves the footer to what is below.
func (b *errorBox) ShortHelp() []key.Binding { return nil }

// FullHelp has nothing: any key dismisses the box.
func (b *errorBox) FullHelp() [][]key.Binding { return nil }

// errorHint suggests what to do about a store error, by its sentinel.
func errorHint(err error) string {
	switch {
	case errors.Is(err, backend.ErrNotFound):
		return "It may have been deleted or renamed; press r to refresh."
	case errors.Is(err, backend.ErrUnauthorized):
		return "Your account is not allowed to see this."
	case errors.Is(err, backend.ErrNotInitialized):
		return "Run `coop init` to create the store."
	case errors.Is(err, backend.ErrLocked):
		return "Another coop process holds the store; try again when it is done."
	case errors.Is(err, backend.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return "The store did not answer; check the connection and press r to retry."
	}
	return ""
}

// quitBox asks whether to quit while transfers are unfinished.
type quitBox struct {
	c *Common
	x *transfers
}

func (b *quitBox) layer() layer { return layerQuit }

// Update quits on the confirm key, stays on n or the cancel key, and
// ignores the rest.
func (b *quitBox) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, b.c.Keys.Confirm):
		return b.c.shell.exit()
	case key.Matches(k, b.c.Keys.Cancel), k.String() == "n":
		b.c.shell.close(b)
	}
	return nil
}

// View draws the question with the number of unfinished transfers.
func (b *quitBox) View(width, height int) string {
	s := &b.c.Styles
	n := b.x.active()
	lines := []string{
		s.ErrorTitle.Render("Quit with " + plural(n, "transfer", "transfers") + " unfinished?"), "",
		s.Row.Render("Quitting cancels them. Files already transferred are kept"),
		s.Row.Render("and recorded in the metadata."), "",
		s.Muted.Render(keyName(b.c.Keys.Confirm) + " quits · n or " + keyName(b.c.Keys.Cancel) + " stays"),
	}
	return dialog(s.ErrorBox, lines, width, height)
}

// ShortHelp is empty: the box names its keys.
func (b *quitBox) ShortHelp() []key.Binding { return []key.Binding{} }

// FullHelp is the two answers.
func (b *quitBox) FullHelp() [][]key.Binding {
	return [][]key.Binding{{b.c.Keys.Confirm, b.c.Keys.Cancel}}
}
