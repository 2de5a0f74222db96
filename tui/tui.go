// Package tui is coop's terminal browser: accounts, an account's
// repositories, and a repository as a tree of folders that load lazily,
// page by page, with a preview of each object's metadata.
//
// # Structure
//
// The root Model is the only tea.Model and the only producer of a
// tea.View. It routes messages, keeps the overlay stack and lays the
// screen out: a header, the column titles, the body, a status line and a
// footer of keys. Everything else is a component (component.go) with its
// own Update, View(width, height) and key help:
//
//   - pages, one per level: accountsPage, reposPage, treePage. The root
//     keeps one of each and shows the current one; the tree page is made
//     anew for each repository opened.
//   - overlays, on a stack ordered by layer: the transfers panel, the
//     overwrite question, the path prompt and the delete confirmation,
//     the help, the quit question and errors. The top overlay takes the
//     keys and is drawn over the body.
//
// Components share a Common (context, styles, keys, size, the Source)
// and ask the root for overlays and levels through its shell interface;
// they never reach for the root itself.
//
// To add a screen, write a page: a type with Update, View(width, height),
// ShortHelp, FullHelp and the page methods (heading, columns, status,
// crumb, busy, typing), a level for it, and a way in from another page
// (a shell method, as openAccount is). To add an overlay, write an
// overlay (the same methods and a layer), open it with c.shell.open and
// have it close itself with c.shell.close; route the messages its
// commands return in Model.Update.
//
// Every store call runs in a tea.Cmd that returns a typed message carrying
// a request id; results for anything the user has since left or refreshed
// are dropped. Each Model owns its context, styles, keys, size and caches,
// so one process can serve many SSH sessions.
package tui

import (
	"context"
	"os"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/transfer"
	"github.com/coopterm/coop/keymap"
	"github.com/coopterm/coop/themes"
)

// Source is what the browser reads from a store: the lists it shows, a
// repository's metadata for the preview, and where the store is. A delete
// counts the objects of a folder through backend.Walk, which uses the
// store's one-listing walk when it has one. Every backend.Store is a
// Source.
type Source interface {
	backend.ObjectLister
	ListAccounts(ctx context.Context, typ backend.AccountType, req backend.PageRequest) (backend.Page[backend.Account], error)
	ListRepositories(ctx context.Context, accountID string, req backend.PageRequest) (backend.Page[backend.Repository], error)
	FindAccount(ctx context.Context, id string) (backend.Account, error)
	ReadObjectMetadata(ctx context.Context, repo backend.RepoRef, path string) (backend.ObjectMeta, error)
	// StatObject tells the overwrite question the size and date of the
	// object an upload would replace, or a download would bring.
	StatObject(ctx context.Context, repo backend.RepoRef, path string) (backend.ObjectInfo, error)
	ReadFolderMetadata(ctx context.Context, repo backend.RepoRef, folder string, req backend.PageRequest) (backend.Page[backend.MetadataEntry], error)
	Location() string
}

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
	// Sort is how folders are sorted at first (the config file's [sort]
	// table); the zero value is folders first, names in natural order.
	Sort keymap.Sort
	// LinkExpiry is how long a copied presigned URL lasts (on a store that
	// makes them); 0 means keymap.DefaultLinkExpiry.
	LinkExpiry time.Duration
	// Content previews what is inside the selected file, or Zarr folder,
	// below its metadata (a *content.Previewer over the session's store);
	// nil leaves the section out.
	Content Previewer
	// ContentWorkers bounds the previews read and drawn at once; a
	// server shares one among its sessions. Nil: one at a time for this
	// browser.
	ContentWorkers Workers
	// Pager lets `o` open the selected file in the user's pager. Only a
	// browser on the user's own machine should have one: the file is
	// fetched to the local disk of the process.
	Pager *Pager
	// Transfers is the queue that uploads, downloads and deletes go
	// through (FromQueue adapts a *transfer.Queue). Nil switches them
	// off: the keys then say so. Only a browser running on the user's
	// own machine should have one: uploads read, and downloads write, the
	// local disk of the process.
	Transfers Transfers
}

// level is which page the browser shows.
type level int

const (
	levelAccounts level = iota
	levelRepos
	levelTree
)

// Model is the browser's root model. Create it with New; it is meant to
// be run by a tea.Program and is not safe for use from other goroutines.
type Model struct {
	c         *Common
	cancel    context.CancelFunc
	noColor   bool
	autoTheme bool
	location  string
	initCmd   tea.Cmd

	level    level
	accounts *accountsPage
	repos    *reposPage
	tree     *treePage // the repository open, or nil
	cache    *cache
	overlays stack
	xfer     *transfers // nil: transfers are switched off
	note     string     // a one-line message until the next key
	noteJob  jobNote    // the job the note is about, if any
}

// New returns the browser for src. ctx bounds the session: when it ends
// (or the user quits) every store call in flight is cancelled.
func New(ctx context.Context, src Source, opts Options) *Model {
	ctx, cancel := context.WithCancel(ctx)
	keys := opts.KeyMap
	if len(keys.Quit.Keys()) == 0 {
		keys = keymap.Default()
	}
	c := &Common{Ctx: ctx, Keys: keys, src: src, pageSize: opts.PageSize, help: help.New(), content: opts.Content, pager: opts.Pager,
		progress: newProgress(), spinner: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
	if c.workers = opts.ContentWorkers; c.workers == nil {
		c.workers = NewWorkers(1)
	}
	m := &Model{c: c, cancel: cancel, noColor: opts.NoColor, location: src.Location(), cache: newCache()}
	c.shell = m
	c.sort = sortOrderOf(opts.Sort)
	if c.linkExpiry = opts.LinkExpiry; c.linkExpiry <= 0 {
		c.linkExpiry = keymap.DefaultLinkExpiry
	}
	theme, err := themes.Get(opts.Theme)
	m.autoTheme = themes.IsAuto(opts.Theme) || err != nil
	if err != nil {
		theme, _ = themes.Get(themes.Auto)
	}
	c.setTheme(theme, opts.NoColor)
	m.accounts, m.repos = newAccountsPage(c), newReposPage(c)
	var cmds []tea.Cmd
	if err != nil {
		m.fail("Theme", err)
	}
	if m.autoTheme {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	if opts.Transfers != nil {
		m.xfer = newTransfers(opts.Transfers)
		m.xfer.home, _ = os.UserHomeDir()
		m.xfer.cwd, _ = os.Getwd()
	}
	cmds = append(cmds, m.start(opts.StartAt))
	if m.xfer != nil {
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
		return m.accounts.load(false)
	case len(parts) == 1:
		return m.openAccount(parts[0])
	default:
		p := ""
		if len(parts) == 3 {
			p = parts[2]
		}
		m.repos.account = parts[0] // loaded when the user goes back
		return m.openRepo(backend.RepoRef{AccountID: parts[0], RepositoryID: parts[1]}, p)
	}
}

// Init implements tea.Model: it starts the first load and, for the auto
// theme, asks the terminal for its background colour.
func (m *Model) Init() tea.Cmd { return m.initCmd }

// page is the page on screen.
func (m *Model) page() page {
	switch {
	case m.level == levelTree && m.tree != nil:
		return m.tree
	case m.level == levelRepos:
		return m.repos
	}
	return m.accounts
}

// open implements shell.
func (m *Model) open(o overlay) { m.overlays.push(o) }

// close implements shell.
func (m *Model) close(o overlay) { m.overlays.remove(o) }

// fail implements shell: the error shows until a key dismisses it.
func (m *Model) fail(title string, err error) { m.open(&errorBox{c: m.c, title: title, err: err}) }

// say implements shell.
func (m *Model) say(note string) { m.note, m.noteJob = note, jobNote{} }

// sayJob implements shell.
func (m *Model) sayJob(note string, id transfer.JobID) {
	m.note, m.noteJob = note, jobNote{id: id, on: true}
	m.settleNote()
}

// jobNote ties the note to a job (id 0: to the jobs running), so that
// "cancelling job 9" goes once job 9 has ended.
type jobNote struct {
	id   transfer.JobID
	on   bool // the note is about jobs
	live bool // the job was seen unfinished since the note
}

// settleNote drops the note about a job once the job, seen unfinished
// since the note, has ended.
func (m *Model) settleNote() {
	if !m.noteJob.on || m.xfer == nil {
		return
	}
	live := false
	if m.noteJob.id == 0 {
		live = m.xfer.active() > 0
	} else if i, ok := m.xfer.at[m.noteJob.id]; ok {
		live = !m.xfer.jobs[i].State.Final()
	}
	switch {
	case live:
		m.noteJob.live = true
	case m.noteJob.live:
		m.note, m.noteJob = "", jobNote{}
	}
}

// openAccount implements shell.
func (m *Model) openAccount(id string) tea.Cmd {
	m.level = levelRepos
	return m.repos.open(id, false)
}

// openRepo implements shell: any repository open before is left.
func (m *Model) openRepo(ref backend.RepoRef, path string) tea.Cmd {
	m.closeTree()
	var cmd tea.Cmd
	m.tree, cmd = openTree(m.c, m.cache, m.xfer, ref, path)
	m.level = levelTree
	return cmd
}

// closeTree leaves the repository open, if any.
func (m *Model) closeTree() {
	if m.tree != nil {
		m.tree.close()
		m.tree = nil
	}
}

// back implements shell: from a repository to its account's
// repositories (selecting it), from there to the accounts.
func (m *Model) back() tea.Cmd {
	switch m.level {
	case levelTree:
		var repo backend.RepoRef
		if m.tree != nil {
			repo = m.tree.repo
		}
		m.closeTree()
		cmd := m.openAccount(repo.AccountID)
		m.repos.reselect(selKey{ok: true, id: repo.RepositoryID})
		return cmd
	case levelRepos:
		m.level = levelAccounts
		return m.accounts.load(false)
	}
	return nil
}

// askQuit implements shell: it quits at once unless jobs are unfinished,
// and then asks.
func (m *Model) askQuit() tea.Cmd {
	if m.xfer == nil || m.xfer.active() == 0 {
		return m.exit()
	}
	if _, asking := find[*quitBox](m.overlays); !asking {
		m.open(&quitBox{c: m.c, x: m.xfer})
	}
	return nil
}

// exit implements shell: requests in flight are cancelled.
func (m *Model) exit() tea.Cmd {
	m.cancel()
	if m.xfer != nil {
		m.xfer.sub.Close()
	}
	return tea.Quit
}
