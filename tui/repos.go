package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/safe"
)

// reposView lists one account's repositories, newest first.
type reposView struct {
	account string
	list    *pagedList[backend.Repository]
	nav     nav
	filter  filterState
}

// repoPageMsg is one page of an account's repositories.
type repoPageMsg struct {
	req     uint64
	account string
	page    backend.Page[backend.Repository]
	err     error
}

// repoName is what the filter matches for a repository: title and id.
func repoName(r *backend.Repository) string { return r.Title + "\x00" + r.ID }

// count is the number of rows shown (matches while filtering).
func (v *reposView) count() int { return v.list.count(&v.filter) }

// at returns the repository on row i.
func (v *reposView) at(i int) *backend.Repository { return v.list.at(&v.filter, i) }

// source returns a snapshot maker and the list's version.
func (v *reposView) source() (func() filterSource, uint64) { return v.list.source(repoName) }

// openAccount shows account's repositories, loading them unless they are
// already loaded for this account.
func (m *Model) openAccount(account string, force bool) tea.Cmd {
	v := &m.repos
	m.level = levelRepos
	if v.account == account && v.list != nil && !force {
		return nil
	}
	v.filter.stop()
	*v = reposView{account: account, list: &pagedList[backend.Repository]{}}
	return m.fetchRepos()
}

func (m *Model) fetchRepos() tea.Cmd {
	l := m.repos.list
	l.req, l.loading, l.err = m.c.nextID(), true, nil
	req, store, ctx, account := l.req, m.store, m.c.Ctx, m.repos.account
	pr := backend.PageRequest{Limit: m.opts.PageSize, Cursor: l.next}
	return tea.Batch(m.spin(), func() tea.Msg {
		p, err := store.ListRepositories(ctx, account, pr)
		return repoPageMsg{req: req, account: account, page: p, err: err}
	})
}

func (m *Model) onRepoPage(msg repoPageMsg) tea.Cmd {
	l := m.repos.list
	if l == nil || l.req != msg.req || m.repos.account != msg.account {
		return nil // stale: another account, or refreshed
	}
	l.loading = false
	if msg.err != nil {
		l.err = msg.err
		return m.showError("Could not list repositories of "+msg.account, msg.err)
	}
	l.addPage(msg.page, m.c.nextID())
	m.repos.nav.clamp(m.repos.count(), m.c.bodyHeight())
	var cmds []tea.Cmd
	if !l.done {
		cmds = append(cmds, m.fetchRepos())
	}
	cmds = append(cmds, m.refilter(&m.repos.filter, m.repos.source))
	return tea.Batch(cmds...)
}

// repoLayout splits width into title, visibility, created and description.
func repoLayout(width int) (titleW, visW, dateW, descW int) {
	visW, dateW = 10, 10
	titleW = max(8, width*30/100)
	descW = max(0, width-titleW-visW-dateW-3)
	return
}

// repoRow draws one repository: title, visibility, created, description.
func (m *Model) repoRow(r *backend.Repository, selected bool, width int) string {
	s := &m.c.Styles
	tw, vw, dw, ew := repoLayout(width)
	title := r.Title
	if title == "" {
		title = r.ID
	}
	t, vis, d, desc := fit(safe.Text(title), tw), fit(safe.Text(string(r.Visibility)), vw),
		fit(day(r.CreatedAt), dw), fit(safe.Text(r.Description), ew)
	if selected {
		return s.Selected.Render(t + " " + vis + " " + d + " " + desc)
	}
	visStyle := s.Muted
	if r.Visibility == backend.VisibilityPrivate {
		visStyle = s.Warning
	}
	return s.Row.Render(t) + " " + visStyle.Render(vis) + " " + s.Muted.Render(d) + " " + s.Row.Render(desc)
}

// repoColumns is the column title line of the repositories list.
func (m *Model) repoColumns(width int) string {
	tw, vw, dw, ew := repoLayout(width)
	return m.c.Styles.ColumnHeader.Render(fit("TITLE", tw) + " " + fit("VISIBILITY", vw) + " " +
		fit("CREATED", dw) + " " + fit("DESCRIPTION", ew))
}
