package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

// View implements tea.Model. Only the rows on screen are drawn, so its
// cost does not grow with the length of the list.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "coop " + m.crumbText()
	return v
}

// render draws the whole screen as text.
func (m *Model) render() string {
	w, h := m.c.Width, m.c.Height
	if w <= 0 || h <= 0 {
		return ""
	}
	if w < minWidth || h < minHeight {
		return m.tooSmall()
	}
	bh := m.c.bodyHeight()
	var body []string
	switch {
	case m.err != nil:
		body = m.boxLines(m.errorBox(), bh)
	case m.showHelp:
		body = m.boxLines(m.helpBox(), bh)
	default:
		if box := m.dialogBox(); box != "" {
			body = m.boxLines(box, bh)
		} else if m.xfer != nil && m.xfer.panel {
			body = m.panelLines(bh)
		} else {
			body = m.bodyLines(bh)
		}
	}
	var b strings.Builder
	b.Grow((bh + 4) * (w + 16))
	b.WriteString(m.header())
	b.WriteByte('\n')
	b.WriteString(m.subHeader())
	for _, l := range body {
		b.WriteByte('\n')
		b.WriteString(l)
	}
	b.WriteByte('\n')
	b.WriteString(m.statusLine())
	b.WriteByte('\n')
	b.WriteString(m.footer())
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

// crumbText is the breadcrumb trail: account / repository / path.
func (m *Model) crumbText() string {
	switch m.level {
	case levelAccounts:
		return "accounts"
	case levelRepos:
		return safe.Text(m.repos.account)
	}
	v := m.tree
	if v == nil {
		return ""
	}
	s := safe.Text(v.repo.AccountID) + " / " + safe.Text(v.repo.RepositoryID)
	if e, _ := v.selected(); e != nil {
		s += " / " + safe.Text(e.path)
	}
	return s
}

// headerTitle starts the header line.
const headerTitle = " coop "

// header draws the title, the breadcrumbs (or the account tabs) and the
// store's location.
func (m *Model) header() string {
	s := &m.c.Styles
	w := m.c.Width
	loc := " " + safe.Text(m.location) + " "
	locW := min(ansi.StringWidth(loc), w/3)
	loc = ansi.TruncateLeft(loc, ansi.StringWidth(loc)-locW, "…")
	midW := w - len(headerTitle) - ansi.StringWidth(loc)
	var mid string
	if m.level == levelAccounts {
		mid = m.tabLine(midW)
	} else {
		mid = s.Crumb.Render(fit(strings.ReplaceAll(m.crumbText(), " / ", " › "), midW))
	}
	return s.Title.Render(headerTitle) + mid + s.Location.Render(loc)
}

// subHeader draws the tabs or the column titles.
func (m *Model) subHeader() string {
	w := m.c.Width
	if m.xfer != nil && m.xfer.panel {
		return m.c.Styles.ColumnHeader.Render(fit("TRANSFERS", w))
	}
	switch m.level {
	case levelAccounts:
		return m.accountColumns(w)
	case levelRepos:
		return m.repoColumns(w)
	}
	return fit(m.c.Styles.ColumnHeader.Render(fit("NAME", m.listWidth())), w)
}

// listWidth is the width of the list; the preview takes the rest.
func (m *Model) listWidth() int {
	if m.level != levelTree || m.hidePreview || m.c.Width < 70 {
		return m.c.Width
	}
	return m.c.Width * 55 / 100
}

// bodyLines draws the list of the current level (and the preview).
func (m *Model) bodyLines(bh int) []string {
	w := m.c.Width
	switch m.level {
	case levelAccounts:
		v := &m.accounts
		if l := v.list(); v.count() == 0 {
			return m.emptyLines(l == nil || l.loading, listErr(l), "no accounts", bh)
		}
		return listLines(v.nav, v.count(), bh, w, func(i int, sel bool) string { return m.accountRow(v.at(i), sel, w) })
	case levelRepos:
		v := &m.repos
		if v.count() == 0 {
			return m.emptyLines(v.list == nil || v.list.loading, listErr(v.list), "no repositories", bh)
		}
		return listLines(v.nav, v.count(), bh, w, func(i int, sel bool) string { return m.repoRow(v.at(i), sel, w) })
	}
	v := m.tree
	lw := m.listWidth()
	var lines []string
	if v.count() == 0 {
		root := v.t.lists[0].l
		lines = m.emptyLines(root.loading, root.err, "empty", bh)
		for i := range lines {
			lines[i] = fit(ansi.Truncate(lines[i], lw, ""), lw) // cut the padding, not the note
		}
	} else {
		lines = listLines(v.nav, v.count(), bh, lw, func(i int, sel bool) string { return m.treeRow(i, sel, lw) })
	}
	if lw == w {
		return lines
	}
	pw := w - lw - 3
	prev := m.previewLines(pw, bh)
	sep := m.c.Styles.Separator.Render(" │ ")
	for i := range lines {
		p := ""
		if i < len(prev) {
			p = prev[i]
		}
		lines[i] += sep + p
	}
	return lines
}

// emptyLines fills the body of an empty list with a note: loading, the
// error that stopped it, or that it is empty.
func (m *Model) emptyLines(loading bool, err error, empty string, bh int) []string {
	note, style := empty, m.c.Styles.Muted
	switch {
	case loading:
		note = "loading…"
	case err != nil:
		note, style = "could not load: "+safe.Text(err.Error())+" (r retries)", m.c.Styles.Error
	}
	lines := make([]string, bh)
	lines[0] = style.Render(fit("  "+note, m.c.Width))
	for i := 1; i < bh; i++ {
		lines[i] = strings.Repeat(" ", m.c.Width)
	}
	return lines
}

// listErr is the error of a catalog list, if any.
func listErr[T any](l *pagedList[T]) error {
	if l == nil {
		return nil
	}
	return l.err
}

// treeRow draws one row of the tree, or one match while filtering.
func (m *Model) treeRow(i int, selected bool, width int) string {
	s := &m.c.Styles
	v := m.tree
	var (
		e     *entry
		depth int
		open  bool
		label string
	)
	if v.filter.filtered() {
		snap := v.filter.src.(*treeSnap)
		r := snap.rows[v.filter.idx[i]]
		e = &snap.ents[r.list][r.idx]
		label = safe.Text(e.path) // matches show where they are
	} else {
		r := v.t.rows[i]
		e, depth, open = v.t.entry(ref{r.list, r.idx}), int(r.depth), r.open
		label = safe.Text(e.name())
	}
	if _, ok := v.marks[e.path]; ok {
		label = "✓ " + label
	}
	marker := "  "
	info := ""
	if e.dir {
		marker = "▸ "
		if open {
			marker = "▾ "
		}
		label += "/"
		if l := m.cache[cacheKey{v.repo, e.path}]; open && l != nil && l.loading {
			info = m.spinner.View() + " " + humanize.Count(int64(len(l.entries)))
		} else if open && l != nil && l.err != nil {
			info = "error"
		}
	} else {
		info = humanize.Bytes(e.size)
	}
	indent := min(depth*2, width/2)
	infoW := 12
	nameW := max(1, width-indent-2-infoW-1)
	pad, name, info := strings.Repeat(" ", indent), fit(label, nameW), alignRight(info, infoW)
	if selected {
		return s.Selected.Render(pad + marker + name + " " + info)
	}
	nameStyle := s.Row
	if e.dir {
		nameStyle = s.Directory
	}
	return pad + s.Muted.Render(marker) + nameStyle.Render(name) + " " + s.Muted.Render(info)
}

// boxLines centres a dialog in the body area.
func (m *Model) boxLines(box string, bh int) []string {
	return strings.Split(lipgloss.Place(m.c.Width, bh, lipgloss.Center, lipgloss.Center, box), "\n")
}

// errorBox is the dismissable error dialog.
func (m *Model) errorBox() string {
	s := &m.c.Styles
	w := min(m.c.Width-4, 72)
	var lines []string
	lines = append(lines, s.ErrorTitle.Render(ansi.Truncate(safe.Text(m.err.title), w, "…")), "")
	// One paragraph per line of the message (errors.Join, a job's
	// failures), each made safe on its own.
	for _, para := range strings.Split(m.err.err.Error(), "\n") {
		for _, l := range wrap(safe.Text(para), w) {
			lines = append(lines, s.Row.Render(l))
		}
	}
	if hint := errorHint(m.err.err); hint != "" {
		lines = append(lines, "")
		for _, l := range wrap(hint, w) {
			lines = append(lines, s.Muted.Render(l))
		}
	}
	lines = append(lines, "", s.Muted.Render("press any key to dismiss"))
	bh := m.c.bodyHeight()
	if len(lines) > bh-2 {
		lines = append(lines[:max(1, bh-3)], s.Muted.Render("…"))
	}
	return s.ErrorBox.Render(strings.Join(lines, "\n"))
}

// helpBox is the full help overlay.
func (m *Model) helpBox() string {
	h := m.help
	h.SetWidth(m.c.Width - 4)
	return m.c.Styles.HelpBox.Render(h.FullHelpView(m.c.Keys.FullHelp()) + "\n\n" +
		m.c.Styles.Muted.Render("press any key to close"))
}

// statusLine shows the filter input, counts and loading state.
func (m *Model) statusLine() string {
	s := &m.c.Styles
	w := m.c.Width
	p := m.pane()
	f := p.filt()
	var left string
	if f.editing || f.query != "" {
		cursor := ""
		if f.editing {
			cursor = "█"
		}
		left = s.Accent.Render("/") + s.Row.Render(safe.Text(f.query)+cursor) + "  "
		switch {
		case f.running && !f.applied:
			left += s.Muted.Render("filtering…")
		case f.applied:
			left += s.Muted.Render(fmt.Sprintf("%s of %s match", humanize.Count(int64(len(f.idx))), humanize.Count(int64(f.src.Len()))))
		}
	} else {
		left = s.Status.Render(m.countText())
		if mk := m.markText(); mk != "" {
			left += s.Muted.Render(" · ") + s.Accent.Render(mk)
		}
	}
	if m.note != "" {
		left = s.Accent.Render(m.note)
	}
	if m.busy() {
		left = m.spinner.View() + " " + left
	}
	right := m.transferStatus()
	rw := min(ansi.StringWidth(right), w/2)
	return fit(" "+left, w-rw) + fit(right, rw)
}

// countText says how much of the current list has loaded.
func (m *Model) countText() string {
	switch m.level {
	case levelAccounts:
		if l := m.accounts.list(); l != nil {
			return loadedText(len(l.items), l.done, "account", "accounts")
		}
	case levelRepos:
		if l := m.repos.list; l != nil {
			return loadedText(len(l.items), l.done, "repository", "repositories")
		}
	case levelTree:
		v := m.tree
		root := v.t.lists[0].l
		return loadedText(len(root.entries), root.done, "entry", "entries") + " at top level · " +
			plural(len(v.t.rows), "row", "rows") + " shown"
	}
	return ""
}

func loadedText(n int, done bool, one, many string) string {
	if done {
		return plural(n, one, many)
	}
	return plural(n, one, many) + " loaded so far"
}

// footer is the short help line.
func (m *Model) footer() string {
	k := &m.c.Keys
	bindings := k.ShortHelp()
	switch {
	case m.prompt != nil || (m.del != nil && m.del.second):
		bindings = k.PromptHelp()[1:]
	case m.dialogOpen():
		bindings = nil
	case m.xfer != nil && m.xfer.panel:
		bindings = k.PanelHelp()
	case m.pane().filt().editing:
		bindings = k.FilterHelp()
	case m.xfer != nil && m.level == levelTree:
		bindings = k.TreeHelp()
	}
	return fit(m.help.ShortHelpView(bindings), m.c.Width)
}
