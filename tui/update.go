package tui

import (
	"errors"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/themes"
)

// errNoTransfers is shown when a transfer key is pressed in a session
// without a transfer queue, such as a browser served over SSH, where the
// "local" files would be the server's.
var errNoTransfers = errors.New("uploads, downloads and deletes are switched off in this session; " +
	"over SSH, copy files in and out with sftp or scp")

// Update implements tea.Model. It routes each message to the component it
// is for and never blocks: store calls come back as the messages routed
// here.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.route(msg)
	m.syncQuestion()
	if q, ok := find[*question](m.overlays); ok {
		if want := q.want(); want != nil {
			cmd = tea.Batch(cmd, want)
		}
	}
	if m.tree != nil && m.level == levelTree {
		if want := m.tree.wantMeta(); want != nil {
			cmd = tea.Batch(cmd, want)
		}
		if want := m.tree.wantContent(); want != nil {
			cmd = tea.Batch(cmd, want)
		}
	}
	return m, cmd
}

func (m *Model) route(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return m.onKey(msg)
	case tea.PasteMsg, tea.MouseWheelMsg:
		return m.top().Update(msg)
	case tea.MouseClickMsg:
		return m.onClick(msg)
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		m.c.help.SetWidth(msg.Width)
		m.each(func(c component) { c.Update(msg) })
	case tea.BackgroundColorMsg:
		if m.autoTheme {
			m.c.setTheme(themes.ForBackground(msg.IsDark()), m.noColor)
		}
	case spinner.TickMsg:
		if !m.busy() {
			m.c.spinning = false
			return nil
		}
		var cmd tea.Cmd
		m.c.spinner, cmd = m.c.spinner.Update(msg)
		return cmd
	case accountPageMsg:
		return m.accounts.Update(msg)
	case repoPageMsg, accountMsg:
		return m.repos.Update(msg)
	case listPageMsg:
		if m.tree != nil {
			return m.tree.Update(msg)
		}
	case metadataMsg:
		m.cache.onMetadata(msg)
	case neighbourMsg:
		m.cache.onNeighbours(msg)
	case contentStartMsg, contentMsg, pagerReadyMsg, pagerDoneMsg, sortedMsg, copyLinkMsg, markedMsg:
		if m.tree != nil {
			return m.tree.Update(msg)
		}
	case filterResultMsg:
		cmds := []tea.Cmd{m.accounts.Update(msg), m.repos.Update(msg)}
		if m.tree != nil {
			cmds = append(cmds, m.tree.Update(msg))
		}
		return tea.Batch(cmds...)
	case transferMsg:
		return m.onTransfer(msg)
	case countMsg, completeMsg, pathMsg, clashInfoMsg, searchMsg, gotoCompleteMsg, gotoDoneMsg:
		var cmds []tea.Cmd
		for _, o := range m.overlays {
			cmds = append(cmds, o.Update(msg))
		}
		return tea.Batch(cmds...)
	}
	return nil
}

// top is the component that takes the keys: the top overlay, or the page.
func (m *Model) top() component {
	if o := m.overlays.top(); o != nil {
		return o
	}
	return m.page()
}

// each calls fn for every page and overlay.
func (m *Model) each(fn func(component)) {
	fn(m.accounts)
	fn(m.repos)
	if m.tree != nil {
		fn(m.tree)
	}
	for _, o := range m.overlays {
		fn(o)
	}
}

// onKey handles the keys that act wherever the user is, and gives the
// rest to the top overlay or the page.
func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.c.Keys
	m.note, m.noteJob = "", jobNote{}
	// A quit key that cannot be typed (ctrl+c) quits from anywhere; with
	// transfers unfinished it asks first, and a second press quits.
	if msg.Text == "" && key.Matches(msg, k.Quit) {
		if _, asking := find[*quitBox](m.overlays); asking {
			return m.exit()
		}
		return m.askQuit()
	}
	if o := m.overlays.top(); o != nil {
		return o.Update(msg)
	}
	p := m.page()
	if p.typing() {
		return p.Update(msg)
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.askQuit()
	case m.xfer == nil && key.Matches(msg, k.Mark, k.Upload, k.Download, k.Delete, k.Transfers, k.MarkAll, k.InvertMarks, k.MarkRange):
		m.fail("Not available here", errNoTransfers)
	case key.Matches(msg, k.Transfers):
		m.open(newPanel(m.c, m.xfer))
	case key.Matches(msg, k.GoTo):
		m.openGoto()
	case key.Matches(msg, k.Help):
		m.open(&helpBox{c: m.c})
	case key.Matches(msg, k.Preview):
		m.c.previewHidden = !m.c.previewHidden
	default:
		return p.Update(msg)
	}
	return nil
}

// onClick gives a click to the top overlay, or to the page: on the header
// line as a headerClickMsg, in the body with Y counted from the body's
// first line.
func (m *Model) onClick(msg tea.MouseClickMsg) tea.Cmd {
	if o := m.overlays.top(); o != nil {
		return o.Update(msg)
	}
	if msg.Button != tea.MouseLeft {
		return nil
	}
	if msg.Y == 0 {
		return m.page().Update(headerClickMsg{x: msg.X})
	}
	msg.Y -= headerLines
	return m.page().Update(msg)
}

// busy reports whether anything the user is looking at is loading.
func (m *Model) busy() bool {
	for _, o := range m.overlays {
		if l, ok := o.(interface{ loading() bool }); ok && l.loading() {
			return true
		}
	}
	return m.page().busy()
}

// onTransfer merges an Update of the queue, reloads the folders it
// changed once their jobs finish, and waits for the next Update.
func (m *Model) onTransfer(msg transferMsg) tea.Cmd {
	x := m.xfer
	if x == nil {
		return nil
	}
	cmds := []tea.Cmd{waitTransfers(m.c.Ctx, x.sub)}
	if x.note(msg.u) {
		cmds = append(cmds, m.reloadStale())
	}
	m.settleNote()
	for _, o := range m.overlays {
		cmds = append(cmds, o.Update(msg))
	}
	return tea.Batch(cmds...)
}

// reloadStale reloads the folders changed since the last reload, and no
// others: the repository on screen lists them again in place (the open
// folders below them keep their listings); other repositories lose their
// cached listings of them and their metadata.
func (m *Model) reloadStale() tea.Cmd {
	var cmds []tea.Cmd
	for repo, folders := range m.xfer.takeStale() {
		if m.tree != nil && m.tree.repo == repo {
			cmds = append(cmds, m.tree.reload(folders))
			continue
		}
		for _, f := range folders {
			delete(m.cache.lists, cacheKey{repo, f})
		}
		delete(m.cache.meta, repo)
	}
	return tea.Batch(cmds...)
}

// syncQuestion opens the overwrite question while a clash waits for an
// answer, and closes it when none does.
func (m *Model) syncQuestion() {
	if m.xfer == nil {
		return
	}
	q, open := find[*question](m.overlays)
	_, waiting := m.xfer.question()
	switch {
	case waiting && !open:
		m.open(&question{c: m.c, x: m.xfer})
	case !waiting && open:
		m.close(q)
	}
}
