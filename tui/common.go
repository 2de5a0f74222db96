package tui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/keymap"
	"github.com/coopterm/coop/themes"
)

// Common is the per-session state every component shares: the session's
// context, styles, key bindings, terminal size, the store, and the shell
// it asks for overlays and levels. Each SSH session gets its own, which is
// why nothing here is package state.
type Common struct {
	// Ctx ends when the session does; every store call runs under it.
	Ctx context.Context
	// Styles are derived from the session's theme.
	Styles themes.Styles
	// Keys are the session's bindings.
	Keys keymap.KeyMap
	// Width and Height are the terminal size in cells.
	Width, Height int

	src      Source
	pageSize int       // Limit of each list request; 0 lets the store choose
	content  Previewer // nil: no content section
	workers  Workers   // bounds the previews read and drawn at once
	pager    *Pager    // nil: no pager (a browser served over SSH)
	dark     bool      // the theme is for a dark background
	// previewHidden is the user's choice to hide the preview pane; it
	// holds for every repository of the session.
	previewHidden bool
	sort          sortOrder     // how folders are sorted, for every repository of the session
	linkExpiry    time.Duration // how long a copied presigned URL lasts
	shell         shell         // the root, for overlays and levels
	help          help.Model
	progress      progress.Model    // drawn with ViewAs: no animation
	bars          map[barKey]string // progress bars drawn, by fill (see bar)
	spinner       spinner.Model
	spinning      bool
	lastID        uint64
}

// nextID returns a fresh request or generation id. Only Update calls it,
// so it needs no locking.
func (c *Common) nextID() uint64 {
	c.lastID++
	return c.lastID
}

// spin starts the spinner unless it is turning; it stops by itself once
// nothing is busy.
func (c *Common) spin() tea.Cmd {
	if c.spinning {
		return nil
	}
	c.spinning = true
	return c.spinner.Tick
}

// setTheme derives the session's styles from t.
func (c *Common) setTheme(t themes.Theme, noColor bool) {
	c.Styles = themes.NewStyles(t, noColor)
	c.dark = t.Dark
	c.bars = nil // drawn in the old colours
	c.help.Styles = c.Styles.Help
	c.spinner.Style = c.Styles.Accent
}

// newProgress is the transfer bars' progress bar: block characters, no
// percentage (the rows print their own).
func newProgress() progress.Model {
	return progress.New(progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'))
}

// shortHelp renders bindings on one line, as the footer does.
func (c *Common) shortHelp(bindings []key.Binding) string { return c.help.ShortHelpView(bindings) }

// keyName is the first key of a binding, as help shows it.
func keyName(b key.Binding) string {
	h := b.Help().Key
	if i := strings.IndexByte(h, '/'); i > 0 {
		return h[:i]
	}
	return h
}

// Layout: one header line, one line of tabs or column titles, the body,
// one status line and one help line.
const (
	headerLines = 2
	footerLines = 2
	minWidth    = 40
	minHeight   = 10
)

// bodyHeight is the number of list rows on screen.
func (c *Common) bodyHeight() int {
	return max(1, c.Height-headerLines-footerLines)
}

// centre places a dialog box in the middle of an area of w×h cells.
func centre(box string, w, h int) string {
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, box)
}

// dialog draws lines in a bordered box (style: ErrorBox or HelpBox, a
// border and one cell of padding) centred in an area of w×h cells, made
// to fit it whole: each line is cut to the box (marked …), and when the
// lines are more than the height holds, blank ones go first, then the
// lines before the last (the answers or keys), the cut marked with "…".
func dialog(style lipgloss.Style, lines []string, w, h int) string {
	iw := max(1, w-4)
	for i, l := range lines {
		if ansi.StringWidth(l) > iw {
			lines[i] = ansi.Truncate(l, iw, "…")
		}
	}
	room := max(1, h-2)
	for i := len(lines) - 2; len(lines) > room && i > 0; i-- {
		if strings.TrimSpace(ansi.Strip(lines[i])) == "" {
			lines = append(lines[:i], lines[i+1:]...)
		}
	}
	if len(lines) > room {
		last := lines[len(lines)-1]
		lines = append(lines[:max(0, room-2)], "…", last)[max(0, 2-room):]
	}
	return centre(style.Render(strings.Join(lines, "\n")), w, h)
}

// boxWidth is the width of a dialog's text on a screen w cells wide.
func boxWidth(w, most int) int { return max(1, min(w-6, most)) }
