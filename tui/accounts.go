package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/safe"
)

// accountTabs are the account kinds shown as tabs: all, users,
// organizations. "All" says which types it holds: the index lists
// accounts by type, and other writers may add types coop does not know,
// which are opened by id (ssh host ACCOUNT) rather than listed.
func accountTabs() [3]struct {
	typ   backend.AccountType
	label string
} {
	return [3]struct {
		typ   backend.AccountType
		label string
	}{{"", "All (orgs + users)"}, {backend.AccountUser, "Users"}, {backend.AccountOrganization, "Organizations"}}
}

// accountsPage lists accounts in three tabs: all, users, organizations.
type accountsPage struct {
	listPane
	tab   int
	lists [3]*pagedList[backend.Account]
}

// accountPageMsg is one page of accounts for a tab.
type accountPageMsg struct {
	req  uint64
	tab  int
	page backend.Page[backend.Account]
	err  error
}

// headerClickMsg is a click on the header line, at column x.
type headerClickMsg struct{ x int }

func newAccountsPage(c *Common) *accountsPage { return &accountsPage{listPane: newPane(c)} }

// accountName is what the filter matches for an account: its name and id.
func accountName(a *backend.Account) string { return a.Name + "\x00" + a.ID }

func accountID(a *backend.Account) string { return a.ID }

func (v *accountsPage) list() *pagedList[backend.Account] { return v.lists[v.tab] }
func (v *accountsPage) pane() *listPane                   { return &v.listPane }
func (v *accountsPage) moved()                            {}

// count is the number of rows shown (matches while filtering).
func (v *accountsPage) count() int { return v.list().count(&v.filter) }

// at returns the account on row i.
func (v *accountsPage) at(i int) *backend.Account { return v.list().at(&v.filter, i) }

// source returns a snapshot maker and the version of the current tab.
func (v *accountsPage) source() (func() filterSource, uint64) { return v.list().source(accountName) }

func (v *accountsPage) selection() selKey {
	if c := v.nav.cursor; c < v.count() {
		return selKey{ok: true, id: v.at(c).ID}
	}
	return selKey{}
}

func (v *accountsPage) reselect(k selKey) {
	h := v.c.bodyHeight()
	if k.ok && v.list() != nil {
		if i := v.list().indexOf(&v.filter, accountID, k.id); i >= 0 {
			v.nav.set(i, v.count(), h)
			return
		}
	}
	v.nav.clamp(v.count(), h)
}

// load starts loading the current tab unless it is loaded.
func (v *accountsPage) load(force bool) tea.Cmd {
	if v.list() != nil && !force {
		return nil
	}
	v.lists[v.tab] = &pagedList[backend.Account]{}
	return v.fetch(v.tab)
}

func (v *accountsPage) fetch(tab int) tea.Cmd {
	l := v.lists[tab]
	l.req, l.loading, l.err = v.c.nextID(), true, nil
	req, src, ctx := l.req, v.c.src, v.c.Ctx
	pr := backend.PageRequest{Limit: v.c.pageSize, Cursor: l.next}
	typ := accountTabs()[tab].typ
	return tea.Batch(v.c.spin(), func() tea.Msg {
		p, err := src.ListAccounts(ctx, typ, pr)
		return accountPageMsg{req: req, tab: tab, page: p, err: err}
	})
}

func (v *accountsPage) onPage(msg accountPageMsg) tea.Cmd {
	l := v.lists[msg.tab]
	if l == nil || l.req != msg.req {
		return nil // stale: the tab was refreshed
	}
	l.loading = false
	if msg.err != nil {
		l.err = msg.err
		v.c.shell.fail("Could not list accounts", msg.err)
		return nil
	}
	l.addPage(msg.page, v.c.nextID())
	var cmds []tea.Cmd
	if !l.done {
		cmds = append(cmds, v.fetch(msg.tab))
	}
	if msg.tab == v.tab {
		cmds = append(cmds, refilter(v))
		v.nav.clamp(v.count(), v.c.bodyHeight())
	}
	return tea.Batch(cmds...)
}

// switchTab shows tab (wrapping around), loading it on first use.
func (v *accountsPage) switchTab(tab int) tea.Cmd {
	v.tab = (tab + 3) % 3
	v.nav = nav{}
	v.setQuery(v.filter.query)
	return tea.Batch(v.load(false), refilter(v))
}

// refresh drops every tab and reloads the current one.
func (v *accountsPage) refresh() tea.Cmd {
	v.lists = [3]*pagedList[backend.Account]{}
	return v.load(true)
}

// Update handles keys, pages of accounts, filter results and clicks.
func (v *accountsPage) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := listUpdate(v, msg); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return v.onKey(msg)
	case accountPageMsg:
		return v.onPage(msg)
	case headerClickMsg:
		if t := tabAt(msg.x); t >= 0 && t != v.tab {
			return v.switchTab(t)
		}
	}
	return nil
}

func (v *accountsPage) onKey(msg tea.KeyPressMsg) tea.Cmd {
	if cmd, ok := listKey(v, msg); ok {
		return cmd
	}
	k := &v.c.Keys
	switch {
	case key.Matches(msg, k.Mark, k.Upload, k.Download, k.Delete):
		v.c.shell.say(openRepoFirst)
	case key.Matches(msg, k.NextTab):
		return v.switchTab(v.tab + 1)
	case key.Matches(msg, k.PrevTab):
		return v.switchTab(v.tab - 1)
	case key.Matches(msg, k.Open):
		if c := v.nav.cursor; c < v.count() {
			return v.c.shell.openAccount(v.at(c).ID)
		}
	case key.Matches(msg, k.Details):
		if c := v.nav.cursor; c < v.count() {
			v.c.shell.open(accountDetails(v.c, v.at(c)))
		}
	case key.Matches(msg, k.Collapse, k.Back):
		if v.filter.query != "" {
			return clearFilter(v)
		}
	}
	return nil
}

// openRepoFirst is the note for a transfer key outside a repository.
const openRepoFirst = "open a repository first: uploads, downloads and deletes act on its files"

// View draws the accounts on screen: name, id, type.
func (v *accountsPage) View(width, height int) string {
	if v.count() == 0 {
		l := v.list()
		note, loading := v.noRows("no accounts", l == nil || l.loading)
		return strings.Join(emptyLines(v.c, loading, l.failure(), note, width, height), "\n")
	}
	return strings.Join(listLines(v.nav, v.count(), height, width, func(i int, sel bool) string {
		return v.row(v.at(i), sel, width)
	}), "\n")
}

// accountLayout splits width into name, id and type.
func accountLayout(width int) (nameW, idW, typeW int) {
	nameW, typeW = max(8, width*45/100), 13
	idW = max(4, width-nameW-typeW-2)
	return
}

// row draws one account: name, id, type.
func (v *accountsPage) row(a *backend.Account, selected bool, width int) string {
	s := &v.c.Styles
	nameW, idW, typeW := accountLayout(width)
	label, nameStyle := safe.Text(a.Name), s.Row
	if len(a.Unreadable) > 0 {
		label, nameStyle = "! "+label, s.Warning // i shows what could not be read
	}
	name, id, typ := fit(label, nameW), fit(safe.Text(a.ID), idW), fit(safe.Text(string(a.Type)), typeW)
	if selected {
		return s.Selected.Render(name + " " + id + " " + typ)
	}
	return nameStyle.Render(name) + " " + s.Muted.Render(id) + " " + s.Muted.Render(typ)
}

// columns is the column title line of the accounts list.
func (v *accountsPage) columns(width int) string {
	nameW, idW, typeW := accountLayout(width)
	return v.c.Styles.ColumnHeader.Render(fit("NAME", nameW) + " " + fit("ID", idW) + " " + fit("TYPE", typeW))
}

// heading draws the account tabs for the header, width cells wide.
func (v *accountsPage) heading(width int) string {
	s := &v.c.Styles
	if tabsWidth() > width {
		// Too narrow for every tab: the one shown, and the key to switch.
		t := accountTabs()[v.tab]
		label := fit(" "+t.label+" ", max(0, width-1))
		return s.TabActive.Render(label) + s.Header.Render(strings.Repeat(" ", max(0, width-ansi.StringWidth(label))))
	}
	var b strings.Builder
	for i, t := range accountTabs() {
		label := " " + t.label + " "
		if i == v.tab {
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

func (v *accountsPage) crumb() string { return "accounts" }

func (v *accountsPage) status(width int) string {
	if v.showsFilter() {
		return v.filterStatus(width)
	}
	return v.c.Styles.Status.Render(v.list().loadedText("account", "accounts"))
}

func (v *accountsPage) busy() bool { return v.list().busy() || v.filter.running }

func (v *accountsPage) typing() bool { return v.filter.editing }

// ShortHelp is the footer: the filter's keys while it is typed.
func (v *accountsPage) ShortHelp() []key.Binding {
	if v.filter.editing {
		return filterHelp(v.c)
	}
	return v.c.Keys.ShortHelp()
}

// FullHelp is every key of the browser.
func (v *accountsPage) FullHelp() [][]key.Binding { return v.c.Keys.FullHelp() }

// tabsWidth is the width of the tab labels drawn by heading.
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
