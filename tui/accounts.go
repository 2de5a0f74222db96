package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/safe"
)

// accountTabs are the account kinds shown as tabs: all, users,
// organizations.
func accountTabs() [3]struct {
	typ   backend.AccountType
	label string
} {
	return [3]struct {
		typ   backend.AccountType
		label string
	}{{"", "All"}, {backend.AccountUser, "Users"}, {backend.AccountOrganization, "Organizations"}}
}

// pagedList is a catalog list (accounts or repositories) loaded page by
// page, the next page requested as soon as one arrives.
type pagedList[T any] struct {
	items   []T
	next    string
	done    bool
	loading bool
	req     uint64
	err     error
	ver     uint64
}

// count is the number of rows a list shows under its filter f (matches
// while filtering); a nil list shows none.
func (l *pagedList[T]) count(f *filterState) int {
	if f.filtered() {
		return len(f.idx)
	}
	if l == nil {
		return 0
	}
	return len(l.items)
}

// at returns the item on row i of a list shown under its filter f.
func (l *pagedList[T]) at(f *filterState, i int) *T {
	if f.filtered() {
		return &f.src.(*sliceSrc[T]).items[f.idx[i]]
	}
	return &l.items[i]
}

// source returns a snapshot maker for the filter, matching name, and the
// list's version; a nil list gives an empty snapshot.
func (l *pagedList[T]) source(name func(*T) string) (func() filterSource, uint64) {
	if l == nil {
		return func() filterSource { return &sliceSrc[T]{name: name} }, 0
	}
	items := l.items[:len(l.items):len(l.items)]
	return func() filterSource { return &sliceSrc[T]{items: items, name: name} }, l.ver
}

// addPage appends a page to l, which is at version ver afterwards.
func (l *pagedList[T]) addPage(p backend.Page[T], ver uint64) {
	l.items = append(l.items, p.Items...)
	l.next, l.done = p.Next, p.Next == ""
	l.ver = ver
}

// sliceSrc is a filter snapshot of a catalog list.
type sliceSrc[T any] struct {
	items []T
	name  func(*T) string
}

// Len implements filterSource.
func (s *sliceSrc[T]) Len() int { return len(s.items) }

// Name implements filterSource.
func (s *sliceSrc[T]) Name(i int) string { return s.name(&s.items[i]) }

// accountsView lists accounts in three tabs: all, users, organizations.
type accountsView struct {
	tab    int
	lists  [3]*pagedList[backend.Account]
	nav    nav
	filter filterState
}

// accountPageMsg is one page of accounts for a tab.
type accountPageMsg struct {
	req  uint64
	tab  int
	page backend.Page[backend.Account]
	err  error
}

// accountName is what the filter matches for an account: its name and id.
func accountName(a *backend.Account) string { return a.Name + "\x00" + a.ID }

func (v *accountsView) list() *pagedList[backend.Account] { return v.lists[v.tab] }

// count is the number of rows shown (matches while filtering).
func (v *accountsView) count() int { return v.list().count(&v.filter) }

// at returns the account on row i.
func (v *accountsView) at(i int) *backend.Account { return v.list().at(&v.filter, i) }

// source returns a snapshot maker and the version of the current tab.
func (v *accountsView) source() (func() filterSource, uint64) { return v.list().source(accountName) }

// loadAccounts starts loading the current tab unless it is loaded.
func (m *Model) loadAccounts(force bool) tea.Cmd {
	v := &m.accounts
	if v.list() != nil && !force {
		return nil
	}
	v.lists[v.tab] = &pagedList[backend.Account]{}
	return m.fetchAccounts(v.tab)
}

func (m *Model) fetchAccounts(tab int) tea.Cmd {
	l := m.accounts.lists[tab]
	l.req, l.loading, l.err = m.c.nextID(), true, nil
	req, store, ctx := l.req, m.store, m.c.Ctx
	pr := backend.PageRequest{Limit: m.opts.PageSize, Cursor: l.next}
	typ := accountTabs()[tab].typ
	return tea.Batch(m.spin(), func() tea.Msg {
		p, err := store.ListAccounts(ctx, typ, pr)
		return accountPageMsg{req: req, tab: tab, page: p, err: err}
	})
}

func (m *Model) onAccountPage(msg accountPageMsg) tea.Cmd {
	l := m.accounts.lists[msg.tab]
	if l == nil || l.req != msg.req {
		return nil // stale: the tab was refreshed
	}
	l.loading = false
	if msg.err != nil {
		l.err = msg.err
		return m.showError("Could not list accounts", msg.err)
	}
	l.addPage(msg.page, m.c.nextID())
	var cmds []tea.Cmd
	if !l.done {
		cmds = append(cmds, m.fetchAccounts(msg.tab))
	}
	if msg.tab == m.accounts.tab {
		cmds = append(cmds, m.refilter(&m.accounts.filter, m.accounts.source))
		m.accounts.nav.clamp(m.accounts.count(), m.c.bodyHeight())
	}
	return tea.Batch(cmds...)
}

// switchTab shows tab (wrapping around), loading it on first use.
func (m *Model) switchTab(tab int) tea.Cmd {
	v := &m.accounts
	v.tab = (tab + 3) % 3
	v.nav = nav{}
	q := v.filter.query
	v.filter.stop()
	v.filter.query = q
	return tea.Batch(m.loadAccounts(false), m.refilter(&v.filter, v.source))
}

// accountLayout splits width into name, id and type.
func accountLayout(width int) (nameW, idW, typeW int) {
	nameW, typeW = max(8, width*45/100), 13
	idW = max(4, width-nameW-typeW-2)
	return
}

// accountRow draws one account: name, id, type.
func (m *Model) accountRow(a *backend.Account, selected bool, width int) string {
	s := &m.c.Styles
	nameW, idW, typeW := accountLayout(width)
	name, id, typ := fit(safe.Text(a.Name), nameW), fit(safe.Text(a.ID), idW), fit(safe.Text(string(a.Type)), typeW)
	if selected {
		return s.Selected.Render(name + " " + id + " " + typ)
	}
	return s.Row.Render(name) + " " + s.Muted.Render(id) + " " + s.Muted.Render(typ)
}

// accountColumns is the column title line of the accounts list.
func (m *Model) accountColumns(width int) string {
	nameW, idW, typeW := accountLayout(width)
	return m.c.Styles.ColumnHeader.Render(fit("NAME", nameW) + " " + fit("ID", idW) + " " + fit("TYPE", typeW))
}

// tabLine draws the account tabs for the header, width cells wide.
func (m *Model) tabLine(width int) string {
	s := &m.c.Styles
	var b strings.Builder
	for i, t := range accountTabs() {
		label := " " + t.label + " "
		if i == m.accounts.tab {
			b.WriteString(s.TabActive.Render(label))
		} else {
			b.WriteString(s.TabInactive.Render(label))
		}
		b.WriteString(s.Header.Render(" "))
	}
	used := tabsWidth()
	if hint := " (tab to switch) "; used+len(hint) <= width {
		b.WriteString(s.Location.Render(hint))
		used += len(hint)
	}
	if used < width {
		b.WriteString(s.Header.Render(strings.Repeat(" ", width-used)))
	}
	return b.String()
}

// tabsWidth is the width of the tab labels drawn by tabLine.
func tabsWidth() int {
	w := 0
	for _, t := range accountTabs() {
		w += len(t.label) + 3
	}
	return w
}

// tabAt returns the tab under column x of the header, or -1.
func tabAt(x int) int {
	pos := len(headerTitle)
	for i, t := range accountTabs() {
		w := len(t.label) + 2
		if x >= pos && x < pos+w {
			return i
		}
		pos += w + 1
	}
	return -1
}
