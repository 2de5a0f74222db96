// Package tui is coop's terminal browser: accounts, an account's
// repositories, and a repository as a tree of folders that load lazily,
// page by page, with a preview of each object's metadata.
//
// The root Model is the only tea.Model and the only producer of a
// tea.View. Every store call runs in a tea.Cmd that returns a typed
// message carrying a request id; results for anything the user has since
// left or refreshed are dropped. Each Model owns its context, styles,
// keys, size and caches, so one process can serve many SSH sessions.
package tui

import (
	"context"
	"os"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/keymap"
	"github.com/coopterm/coop/themes"
)

// Options configure one browser session.
type Options struct {
	// Theme is a built-in theme name, or "" / "auto" to follow the
	// terminal's background colour.
	Theme string
	// NoColor drops all colour (the NO_COLOR convention). The caller
	// decides: over SSH the client's environment is not the process's.
	NoColor bool
	// KeyMap is the session's bindings; the zero value means
	// keymap.Default().
	KeyMap keymap.KeyMap
	// StartAt optionally opens "account", "account/repo" or
	// "account/repo/path" instead of the accounts list.
	StartAt string
	// PageSize is the Limit of each list request; 0 lets the store choose.
	PageSize int
	// Transfers is the queue that uploads, downloads and deletes go
	// through (FromQueue adapts a *transfer.Queue). Nil switches them
	// off: the keys then say so. Only a browser running on the user's
	// own machine should have one: uploads read, and downloads write, the
	// local disk of the process.
	Transfers Transfers
}

// Model is the browser's root model. Create it with New; it is meant to
// be run by a tea.Program and is not safe for use from other goroutines.
type Model struct {
	c         *Common
	store     backend.Store
	cancel    context.CancelFunc
	opts      Options
	location  string
	autoTheme bool

	level    level
	accounts accountsView
	repos    reposView
	tree     *treeView
	cache    listCache
	meta     map[backend.RepoRef]*metaState

	help        help.Model
	spinner     spinner.Model
	spinning    bool
	showHelp    bool
	hidePreview bool
	err         *uiError
	initCmd     tea.Cmd

	xfer     *transfers    // nil: transfers are switched off
	prompt   *prompt       // the path prompt of an upload or download
	del      *deleteDialog // the delete confirmation
	quitting bool          // asking whether to quit with jobs unfinished
	note     string        // a one-line message until the next key
	home     string        // the user's home folder, for ~ in paths
	cwd      string        // the working folder, where downloads go by default
}

// uiError is an error shown in a dialog until a key dismisses it.
type uiError struct {
	title string
	err   error
}

// New returns the browser for store. ctx bounds the session: when it ends
// (or the user quits) every store call in flight is cancelled.
func New(ctx context.Context, store backend.Store, opts Options) *Model {
	ctx, cancel := context.WithCancel(ctx)
	keys := opts.KeyMap
	if len(keys.Quit.Keys()) == 0 {
		keys = keymap.Default()
	}
	m := &Model{
		c:        &Common{Ctx: ctx, Keys: keys},
		store:    store,
		cancel:   cancel,
		opts:     opts,
		cache:    listCache{},
		meta:     map[backend.RepoRef]*metaState{},
		help:     help.New(),
		spinner:  spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		location: store.Location(),
	}
	theme, err := themes.Get(opts.Theme)
	m.autoTheme = themes.IsAuto(opts.Theme) || err != nil
	if err != nil {
		theme, _ = themes.Get(themes.Auto)
	}
	m.setTheme(theme)
	var cmds []tea.Cmd
	if err != nil {
		cmds = append(cmds, m.showError("Theme", err))
	}
	if m.autoTheme {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	cmds = append(cmds, m.start(opts.StartAt))
	if opts.Transfers != nil {
		m.xfer = newTransfers(opts.Transfers)
		m.home, _ = os.UserHomeDir()
		m.cwd, _ = os.Getwd()
		cmds = append(cmds, waitTransfers(ctx, m.xfer.sub))
	}
	m.initCmd = tea.Batch(cmds...)
	return m
}

// start opens the level StartAt names.
func (m *Model) start(at string) tea.Cmd {
	parts := strings.SplitN(strings.Trim(at, "/"), "/", 3)
	switch {
	case parts[0] == "":
		m.level = levelAccounts
		return m.loadAccounts(false)
	case len(parts) == 1:
		return m.openAccount(parts[0], false)
	default:
		p := ""
		if len(parts) == 3 {
			p = parts[2]
		}
		m.repos.account = parts[0] // loaded when the user goes back
		return m.openTree(backend.RepoRef{AccountID: parts[0], RepositoryID: parts[1]}, p)
	}
}

// setTheme derives the session's styles from t.
func (m *Model) setTheme(t themes.Theme) {
	m.c.Styles = themes.NewStyles(t, m.opts.NoColor)
	m.help.Styles = m.c.Styles.Help
	m.spinner.Style = m.c.Styles.Accent
}

// Init implements tea.Model: it starts the first load and, for the auto
// theme, asks the terminal for its background colour.
func (m *Model) Init() tea.Cmd { return m.initCmd }

// showError opens the error dialog.
func (m *Model) showError(title string, err error) tea.Cmd {
	m.err = &uiError{title: title, err: err}
	return nil
}

// spin starts the spinner unless it is turning.
func (m *Model) spin() tea.Cmd {
	if m.spinning {
		return nil
	}
	m.spinning = true
	return m.spinner.Tick
}

// busy reports whether anything the user is looking at is loading.
func (m *Model) busy() bool {
	if (m.del != nil && m.del.counting) || (m.prompt != nil && m.prompt.busy) {
		return true
	}
	switch m.level {
	case levelAccounts:
		if l := m.accounts.list(); l != nil && l.loading {
			return true
		}
		return m.accounts.filter.running
	case levelRepos:
		return (m.repos.list != nil && m.repos.list.loading) || m.repos.filter.running
	}
	v := m.tree
	if v == nil {
		return false
	}
	if st := m.meta[v.repo]; v.filter.running || (st != nil && st.loading) {
		return true
	}
	for _, tl := range v.t.lists {
		if tl.l.loading {
			return true
		}
	}
	return false
}

// quit ends the session: requests in flight are cancelled.
func (m *Model) quit() tea.Cmd {
	m.cancel()
	if m.xfer != nil {
		m.xfer.sub.Close()
	}
	return tea.Quit
}
