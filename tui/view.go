package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/internal/safe"
	"github.com/coopterm/coop/themes"
)

// View implements tea.Model. Only the rows on screen are drawn, so its
// cost does not grow with the length of the list.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "coop " + m.page().crumb()
	return v
}

// render lays the screen out: header, column titles, the body (the top
// overlay, else the page), status line and footer.
func (m *Model) render() string {
	w, h := m.c.Width, m.c.Height
	if w <= 0 || h <= 0 {
		return ""
	}
	if w < minWidth || h < minHeight {
		return m.tooSmall()
	}
	parts := [5]string{m.header(), m.columns(), m.top().View(w, m.c.bodyHeight()), m.statusLine(), m.footer()}
	n := len(parts) - 1
	for _, p := range parts {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n)
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p)
	}
	return b.String()
}

// tooSmall explains that the terminal cannot hold the layout.
func (m *Model) tooSmall() string {
	w, h := m.c.Width, m.c.Height
	msg := fmt.Sprintf("Terminal too small: %d×%d.\nNeeds at least %d×%d.\nEnlarge it, or q quits.", w, h, minWidth, minHeight)
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, "…")
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, m.c.Styles.Warning.Render(strings.Join(lines, "\n")))
}

// headerTitle starts the header line.
const headerTitle = " coop "

// header draws the title, the page's heading (breadcrumbs or the account
// tabs) and the store's location. The location takes the room the heading
// leaves, and at least a third of the line, cut at its start; the heading
// keeps a blank before it, so the two never run into each other.
func (m *Model) header() string {
	s := &m.c.Styles
	w := m.c.Width
	loc := safe.Text(m.location)
	full := w - len(headerTitle)
	heading := m.page().heading(full)
	need := ansi.StringWidth(strings.TrimRight(ansi.Strip(heading), " ")) + 1
	locW := min(ansi.StringWidth(loc)+2, max(w/3, full-need))
	locText := " " + cutStart(loc, locW-2) + " "
	midW := full - ansi.StringWidth(locText)
	if need > midW {
		heading = m.page().heading(midW) // cut where the page cuts it
	} else {
		heading = ansi.Truncate(heading, midW, "") // only blanks go
	}
	return s.Title.Render(headerTitle) + heading + s.Location.Render(locText)
}

// crumbHeading draws a breadcrumb trail width cells wide, cut in the
// middle when too long (the account and the last folder stay), with a
// blank at its end.
func crumbHeading(s *themes.Styles, crumb string, width int) string {
	return s.Crumb.Render(fit(cutMiddle(strings.ReplaceAll(crumb, " / ", " › "), width-1), width))
}

// columns is the line under the header: the column titles of the page,
// or of an overlay that replaces them.
func (m *Model) columns() string {
	for i := len(m.overlays) - 1; i >= 0; i-- {
		if t, ok := m.overlays[i].(titled); ok {
			return t.columns(m.c.Width)
		}
	}
	return m.page().columns(m.c.Width)
}

// statusLine shows the page's counts or filter (or the note of the last
// key), a spinner while anything loads, and the transfers' summary.
func (m *Model) statusLine() string {
	w := m.c.Width
	right := m.xfer.status(m.c)
	rw := min(ansi.StringWidth(right), w/2)
	var left string
	if m.note != "" {
		left = m.c.Styles.Accent.Render(m.note)
	} else {
		left = m.page().status(w - rw - 1)
	}
	if m.busy() {
		left = m.c.spinner.View() + " " + left
	}
	return fit(" "+left, w-rw) + fit(right, rw)
}

// footer is the keys of the top overlay that names any, else the page's.
func (m *Model) footer() string {
	bindings := m.page().ShortHelp()
	for i := len(m.overlays) - 1; i >= 0; i-- {
		if b := m.overlays[i].ShortHelp(); b != nil {
			bindings = b
			break
		}
	}
	return fit(m.c.shortHelp(bindings), m.c.Width)
}
