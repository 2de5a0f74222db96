package tui

import (
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/themes"
)

// pane is what the three levels have in common: a virtual list with a
// cursor and a filter.
type pane interface {
	count() int
	navp() *nav
	filt() *filterState
	source() (func() filterSource, uint64)
}

func (v *accountsView) navp() *nav         { return &v.nav }
func (v *accountsView) filt() *filterState { return &v.filter }
func (v *reposView) navp() *nav            { return &v.nav }
func (v *reposView) filt() *filterState    { return &v.filter }
func (v *treeView) navp() *nav             { return &v.nav }
func (v *treeView) filt() *filterState     { return &v.filter }

// pane returns the level on screen.
func (m *Model) pane() pane {
	switch {
	case m.level == levelTree && m.tree != nil:
		return m.tree
	case m.level == levelRepos:
		return &m.repos
	}
	return &m.accounts
}

// Update implements tea.Model. It never blocks: store calls are returned
// as commands and come back as the messages handled here.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.clampAll()
	case tea.BackgroundColorMsg:
		if m.autoTheme {
			m.setTheme(themes.ForBackground(msg.IsDark()))
		}
	case spinner.TickMsg:
		if !m.busy() {
			m.spinning = false
			return m, nil
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	case tea.PasteMsg:
		if m.err == nil && m.pasteInDialog(msg.Content) {
			return m, nil
		}
		if p := m.pane(); p.filt().editing && m.err == nil && !m.dialogOpen() {
			keep := m.selection(p)
			p.filt().query += sanitizeInput(msg.Content)
			return m, m.queryChanged(p, keep)
		}
	case tea.MouseWheelMsg:
		m.onWheel(msg)
	case tea.MouseClickMsg:
		return m, m.onClick(msg)
	case accountPageMsg:
		return m, m.onAccountPage(msg)
	case repoPageMsg:
		return m, m.onRepoPage(msg)
	case listPageMsg:
		return m, m.onListPage(msg)
	case metadataMsg:
		m.onMetadata(msg)
	case filterResultMsg:
		return m, m.onFilterResult(msg)
	case InvalidateMsg:
		return m, m.onInvalidate(msg)
	case transferMsg:
		return m, m.onTransfer(msg)
	case countMsg:
		return m, m.onCount(msg)
	case completeMsg:
		m.onComplete(msg)
	case pathMsg:
		return m, m.onPath(msg)
	}
	return m, nil
}

// clampAll keeps every cursor valid after a resize.
func (m *Model) clampAll() {
	h := m.c.bodyHeight()
	m.accounts.nav.clamp(m.accounts.count(), h)
	m.repos.nav.clamp(m.repos.count(), h)
	if m.tree != nil {
		m.tree.nav.clamp(m.tree.count(), h)
	}
}

func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.c.Keys
	m.note = ""
	// A quit key that cannot be typed (ctrl+c) quits from anywhere; with
	// transfers unfinished it asks first, and a second press quits.
	if msg.Text == "" && key.Matches(msg, k.Quit) {
		if m.quitting {
			return m.quit()
		}
		return m.askQuit()
	}
	if m.err != nil { // any other key dismisses the error
		m.err = nil
		return nil
	}
	if m.showHelp {
		if key.Matches(msg, k.Quit) {
			m.showHelp = false
			return m.askQuit()
		}
		m.showHelp = false
		return nil
	}
	if cmd, ok := m.onDialogKey(msg); ok {
		return cmd
	}
	p := m.pane()
	if p.filt().editing {
		return m.onFilterKey(msg, p, m.selection(p))
	}
	if m.xfer != nil && m.xfer.panel {
		return m.onPanelKey(msg)
	}
	h := m.c.bodyHeight()
	switch {
	case key.Matches(msg, k.Quit):
		return m.askQuit()
	case key.Matches(msg, k.Mark), key.Matches(msg, k.Upload), key.Matches(msg, k.Download),
		key.Matches(msg, k.Delete), key.Matches(msg, k.Transfers):
		return m.onTransferKey(msg)
	case key.Matches(msg, k.Back) && m.level == levelTree && m.tree != nil && len(m.tree.marks) > 0:
		m.tree.marks = nil
		m.note = "marks cleared"
	case key.Matches(msg, k.Help):
		m.showHelp = true
	case key.Matches(msg, k.Filter):
		p.filt().editing = true
	case key.Matches(msg, k.Refresh):
		return m.refresh()
	case key.Matches(msg, k.Preview):
		m.hidePreview = !m.hidePreview
	case key.Matches(msg, k.Up):
		m.moveBy(p, -1)
	case key.Matches(msg, k.Down):
		m.moveBy(p, 1)
	case key.Matches(msg, k.PageUp):
		m.moveBy(p, -h)
	case key.Matches(msg, k.PageDown):
		m.moveBy(p, h)
	case key.Matches(msg, k.Top):
		m.moveBy(p, -p.count())
	case key.Matches(msg, k.Bottom):
		m.moveBy(p, p.count())
	case key.Matches(msg, k.NextTab) && m.level == levelAccounts:
		return m.switchTab(m.accounts.tab + 1)
	case key.Matches(msg, k.PrevTab) && m.level == levelAccounts:
		return m.switchTab(m.accounts.tab - 1)
	case key.Matches(msg, k.Open):
		return m.open()
	case key.Matches(msg, k.Collapse):
		return m.collapse()
	case key.Matches(msg, k.Back):
		return m.back()
	}
	return nil
}

// moveBy moves the cursor of p by d rows; the user moving cancels a
// pending "select this path when it loads".
func (m *Model) moveBy(p pane, d int) {
	p.navp().move(d, p.count(), m.c.bodyHeight())
	if m.level == levelTree && m.tree != nil {
		m.tree.restore = ""
	}
}

// onFilterKey edits the filter query: printable keys type, the accept and
// clear bindings end editing, arrows still move through the matches.
func (m *Model) onFilterKey(msg tea.KeyPressMsg, p pane, keep selKey) tea.Cmd {
	k := &m.c.Keys
	f := p.filt()
	switch {
	case key.Matches(msg, k.Accept):
		f.editing = false
		if f.query == "" {
			return m.clearFilter(p)
		}
	case key.Matches(msg, k.Clear):
		return m.clearFilter(p)
	case msg.Code == tea.KeyBackspace && msg.Mod == 0:
		if f.query != "" {
			f.query = dropLastRune(f.query)
			return m.queryChanged(p, keep)
		}
	case msg.String() == "ctrl+u":
		f.query = ""
		return m.queryChanged(p, keep)
	case msg.Text != "" && msg.Mod&^tea.ModShift == 0:
		f.query += sanitizeInput(msg.Text)
		return m.queryChanged(p, keep)
	case key.Matches(msg, k.Up):
		m.moveBy(p, -1)
	case key.Matches(msg, k.Down):
		m.moveBy(p, 1)
	case key.Matches(msg, k.PageUp):
		m.moveBy(p, -m.c.bodyHeight())
	case key.Matches(msg, k.PageDown):
		m.moveBy(p, m.c.bodyHeight())
	}
	return nil
}

// sanitizeInput keeps typed or pasted text to one line of printable text.
func sanitizeInput(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r >= 0x20 && r != 0x7f && (r < 0x80 || r >= 0xa0) {
			out = append(out, r)
		}
	}
	return string(out)
}

// dropLastRune is s without its last character, as backspace leaves it.
func dropLastRune(s string) string {
	_, size := utf8.DecodeLastRuneInString(s)
	return s[:len(s)-size]
}

// queryChanged starts a filter run for the new query; the previous run is
// cancelled and its result will be dropped. keep is the selection before
// the change, restored when the query becomes empty.
func (m *Model) queryChanged(p pane, keep selKey) tea.Cmd {
	f := p.filt()
	if f.query == "" {
		f.start(m.c, nil, 0)
		m.reselect(p, keep)
		return nil
	}
	snap, ver := p.source()
	return tea.Batch(f.start(m.c, snap, ver), m.spin())
}

// refilter reruns p's filter after its list changed, unless a run is
// under way (its result triggers another check) or nothing changed.
func (m *Model) refilter(f *filterState, source func() (func() filterSource, uint64)) tea.Cmd {
	if f.query == "" || f.running {
		return nil
	}
	snap, ver := source()
	if f.applied && f.srcVer == ver && f.resQuery == f.query {
		return nil
	}
	return f.start(m.c, snap, ver)
}

// onFilterResult shows the matches of the newest run of whichever filter
// it belongs to; results of older runs are dropped.
func (m *Model) onFilterResult(msg filterResultMsg) tea.Cmd {
	panes := []pane{&m.accounts, &m.repos}
	if m.tree != nil {
		panes = append(panes, m.tree)
	}
	for _, p := range panes {
		f := p.filt()
		if f.gen != msg.gen {
			continue
		}
		current, newQuery := f.accept(msg)
		if !current {
			return nil
		}
		if newQuery {
			p.navp().set(0, p.count(), m.c.bodyHeight())
		} else {
			p.navp().clamp(p.count(), m.c.bodyHeight())
		}
		return m.refilter(f, p.source)
	}
	return nil
}

// clearFilter drops p's filter, keeping the selected item selected.
func (m *Model) clearFilter(p pane) tea.Cmd {
	keep := m.selection(p)
	p.filt().stop()
	m.reselect(p, keep)
	return nil
}
