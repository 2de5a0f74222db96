package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/safe"
)

// reposPage lists one account's repositories, newest first.
type reposPage struct {
	listPane
	account string
	list    *pagedList[backend.Repository]
	// acct is the account, once read: its type is shown when coop does
	// not create accounts of that type (other writers may).
	acct *backend.Account
}

// accountMsg is the account a repositories page shows.
type accountMsg struct {
	account string
	acct    backend.Account
}

// repoPageMsg is one page of an account's repositories.
type repoPageMsg struct {
	req     uint64
	account string
	page    backend.Page[backend.Repository]
	err     error
}

func newReposPage(c *Common) *reposPage { return &reposPage{listPane: newPane(c)} }

// repoName is what the filter matches for a repository: title and id.
func repoName(r *backend.Repository) string { return r.Title + "\x00" + r.ID }

func repoID(r *backend.Repository) string { return r.ID }

func (v *reposPage) pane() *listPane { return &v.listPane }
func (v *reposPage) moved()          {}

// count is the number of rows shown (matches while filtering).
func (v *reposPage) count() int { return v.list.count(&v.filter) }

// at returns the repository on row i.
func (v *reposPage) at(i int) *backend.Repository { return v.list.at(&v.filter, i) }

// source returns a snapshot maker and the list's version.
func (v *reposPage) source() (func() filterSource, uint64) { return v.list.source(repoName) }

func (v *reposPage) selection() selKey {
	if c := v.nav.cursor; c < v.count() {
		return selKey{ok: true, id: v.at(c).ID}
	}
	return selKey{}
}

func (v *reposPage) reselect(k selKey) {
	h := v.c.bodyHeight()
	if k.ok && v.list != nil {
		if i := v.list.indexOf(&v.filter, repoID, k.id); i >= 0 {
			v.nav.set(i, v.count(), h)
			return
		}
	}
	v.nav.clamp(v.count(), h)
}

// open shows account's repositories, loading them unless they are already
// loaded for this account (or force is set).
func (v *reposPage) open(account string, force bool) tea.Cmd {
	if v.account == account && v.list != nil && !force {
		return nil
	}
	v.filter.stop()
	v.input.Reset()
	v.input.Blur()
	v.account, v.list, v.nav, v.acct = account, &pagedList[backend.Repository]{}, nav{}, nil
	src, ctx := v.c.src, v.c.Ctx
	return tea.Batch(v.fetch(), func() tea.Msg {
		a, err := src.FindAccount(ctx, account)
		if err != nil {
			return nil // the listing reports a missing account
		}
		return accountMsg{account: account, acct: a}
	})
}

func (v *reposPage) fetch() tea.Cmd {
	l := v.list
	l.req, l.loading, l.err = v.c.nextID(), true, nil
	req, src, ctx, account := l.req, v.c.src, v.c.Ctx, v.account
	pr := backend.PageRequest{Limit: v.c.pageSize, Cursor: l.next}
	return tea.Batch(v.c.spin(), func() tea.Msg {
		p, err := src.ListRepositories(ctx, account, pr)
		return repoPageMsg{req: req, account: account, page: p, err: err}
	})
}

func (v *reposPage) onPage(msg repoPageMsg) tea.Cmd {
	l := v.list
	if l == nil || l.req != msg.req || v.account != msg.account {
		return nil // stale: another account, or refreshed
	}
	l.loading = false
	if msg.err != nil {
		l.err = msg.err
		v.c.shell.fail("Could not list repositories of "+msg.account, msg.err)
		return nil
	}
	l.addPage(msg.page, v.c.nextID())
	v.nav.clamp(v.count(), v.c.bodyHeight())
	var cmds []tea.Cmd
	if !l.done {
		cmds = append(cmds, v.fetch())
	}
	return tea.Batch(append(cmds, refilter(v))...)
}

// refresh reloads the account's repositories, keeping the filter's query.
func (v *reposPage) refresh() tea.Cmd {
	q := v.filter.query
	cmd := v.open(v.account, true)
	v.setQuery(q)
	return cmd
}

// Update handles keys, pages of repositories, filter results and clicks.
func (v *reposPage) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := listUpdate(v, msg); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return v.onKey(msg)
	case repoPageMsg:
		return v.onPage(msg)
	case accountMsg:
		if msg.account == v.account {
			v.acct = &msg.acct
		}
	}
	return nil
}

func (v *reposPage) onKey(msg tea.KeyPressMsg) tea.Cmd {
	if cmd, ok := listKey(v, msg); ok {
		return cmd
	}
	k := &v.c.Keys
	switch {
	case key.Matches(msg, k.Mark, k.Upload, k.Download, k.Delete):
		v.c.shell.say(openRepoFirst)
	case key.Matches(msg, k.Open):
		if c := v.nav.cursor; c < v.count() {
			return v.c.shell.openRepo(v.at(c).Ref(), "")
		}
	case key.Matches(msg, k.Details):
		if c := v.nav.cursor; c < v.count() {
			v.c.shell.open(repoDetails(v.c, v.at(c)))
		}
	case key.Matches(msg, k.Collapse, k.Back):
		if v.filter.query != "" {
			return clearFilter(v)
		}
		return v.c.shell.back()
	}
	return nil
}

// View draws the repositories on screen.
func (v *reposPage) View(width, height int) string {
	if v.count() == 0 {
		note, loading := v.noRows("no repositories", v.list == nil || v.list.loading)
		return strings.Join(emptyLines(v.c, loading, v.list.failure(), note, width, height), "\n")
	}
	return strings.Join(listLines(v.nav, v.count(), height, width, func(i int, sel bool) string {
		return v.row(v.at(i), sel, width)
	}), "\n")
}

// repoLayout splits width into the id every path needs, title,
// visibility, created and description; below 80 columns the date is left
// out, and the description takes what is left (maybe nothing).
func repoLayout(width int) (idW, titleW, visW, dateW, descW int) {
	idW = min(24, max(8, width*18/100))
	visW, dateW = 10, 10
	if width < 80 {
		dateW = 0
	}
	titleW = max(8, width*25/100)
	descW = width - idW - titleW - visW - dateW - 3
	if dateW > 0 {
		descW--
	}
	if descW < 4 {
		titleW, descW = max(1, titleW+descW+1), 0 // and the space before it
	}
	return
}

// repoCells joins the cells of a repository row, one space between those
// the layout shows.
func repoCells(cells ...string) string {
	var b strings.Builder
	for _, c := range cells {
		if c == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(c)
	}
	return b.String()
}

// row draws one repository: id, title, visibility, created, description.
func (v *reposPage) row(r *backend.Repository, selected bool, width int) string {
	s := &v.c.Styles
	iw, tw, vw, dw, ew := repoLayout(width)
	title := safe.Text(r.Title)
	idStyle, titleStyle := s.Accent, s.Row
	id := safe.Text(r.ID)
	if len(r.Unreadable) > 0 {
		id, idStyle = "! "+id, s.Warning // i shows what could not be read
	}
	idc, t, vis, d, desc := fit(id, iw), fit(title, tw), fit(safe.Text(string(r.Visibility)), vw),
		fit(day(r.CreatedAt), dw), fit(safe.Text(r.Description), ew)
	if selected {
		return s.Selected.Render(repoCells(idc, t, vis, d, desc))
	}
	visStyle := s.Muted
	if r.Visibility == backend.VisibilityPrivate {
		visStyle = s.Warning
	}
	style := func(st lipgloss.Style, c string) string {
		if c == "" {
			return ""
		}
		return st.Render(c)
	}
	return repoCells(idStyle.Render(idc), style(titleStyle, t), style(visStyle, vis), style(s.Muted, d), style(s.Row, desc))
}

// columns is the column title line of the repositories list.
func (v *reposPage) columns(width int) string {
	iw, tw, vw, dw, ew := repoLayout(width)
	return v.c.Styles.ColumnHeader.Render(repoCells(fit("ID", iw), fit("TITLE", tw), fit("VISIBILITY", vw),
		fit("CREATED", dw), fit("DESCRIPTION", ew)))
}

func (v *reposPage) crumb() string {
	if a := v.acct; a != nil && !a.Type.Valid() {
		return safe.Text(v.account) + " (" + safe.Text(string(a.Type)) + " account)"
	}
	return safe.Text(v.account)
}

func (v *reposPage) heading(width int) string { return crumbHeading(&v.c.Styles, v.crumb(), width) }

func (v *reposPage) status(width int) string {
	if v.showsFilter() {
		return v.filterStatus(width)
	}
	return v.c.Styles.Status.Render(v.list.loadedText("repository", "repositories"))
}

func (v *reposPage) busy() bool { return v.list.busy() || v.filter.running }

func (v *reposPage) typing() bool { return v.filter.editing }

// ShortHelp is the footer: the filter's keys while it is typed.
func (v *reposPage) ShortHelp() []key.Binding {
	if v.filter.editing {
		return filterHelp(v.c)
	}
	return v.c.Keys.ShortHelp()
}

// FullHelp is every key of the browser.
func (v *reposPage) FullHelp() [][]key.Binding { return v.c.Keys.FullHelp() }
