package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/safe"
)

// gotoPages bounds the pages a completion or a check of a go-to path
// reads: 100 pages are 100,000 names of one folder.
const gotoPages = 100

// gotoPrompt asks for ACCOUNT[/REPO[/PATH]] and goes there; tab completes
// each part from the store (accounts, an account's repositories, a
// folder's entries). Store reads run in commands; each reply carries the
// request id and the input it was made for, so a reply to an older input
// is dropped.
type gotoPrompt struct {
	c        *Common
	goTo     func(account, repo, path string) tea.Cmd
	input    textinput.Model
	req      uint64
	checking bool
	options  []string
	more     int
	note     string
}

// gotoDoneMsg is a go-to path checked in the store.
type gotoDoneMsg struct {
	req                 uint64
	account, repo, path string
	err                 error
}

// gotoCompleteMsg lists the names that complete a go-to input.
type gotoCompleteMsg struct {
	req    uint64
	input  string
	prefix string   // input up to the part being completed
	names  []string // candidates, folders and containers with a trailing slash
	more   bool     // more names than were read
	err    error
}

func newGotoPrompt(c *Common, start string, goTo func(account, repo, path string) tea.Cmd) *gotoPrompt {
	p := &gotoPrompt{c: c, goTo: goTo, input: newInput(c, "> ")}
	p.input.SetValue(sanitizeInput(start))
	p.input.CursorEnd()
	p.input.Focus()
	return p
}

func (p *gotoPrompt) layer() layer { return layerDialog }

// loading reports whether the path is being checked.
func (p *gotoPrompt) loading() bool { return p.checking }

// Update handles keys, pasted text, completions and the checked path.
func (p *gotoPrompt) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return p.onKey(msg)
	case tea.PasteMsg:
		if !p.checking {
			pasteInto(&p.input, msg.Content)
			p.changed()
		}
	case gotoCompleteMsg:
		p.onComplete(msg)
	case gotoDoneMsg:
		if msg.req != p.req || !p.checking {
			return nil
		}
		p.checking = false
		if msg.err != nil {
			p.note = safe.Text(msg.err.Error())
			return nil
		}
		p.c.shell.close(p)
		return p.goTo(msg.account, msg.repo, msg.path)
	}
	return nil
}

func (p *gotoPrompt) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &p.c.Keys
	switch {
	case key.Matches(msg, k.Cancel):
		p.c.shell.close(p)
	case p.checking:
	case key.Matches(msg, k.Submit):
		in := strings.Trim(strings.TrimSpace(p.input.Value()), "/")
		if in == "" {
			return nil
		}
		p.req, p.checking, p.note = p.c.nextID(), true, ""
		return tea.Batch(p.c.spin(), checkGoto(p.c.Ctx, p.c.src, p.req, in))
	case key.Matches(msg, k.Complete):
		p.req = p.c.nextID()
		return completeGoto(p.c.Ctx, p.c.src, p.req, p.input.Value())
	case key.Matches(msg, k.DeleteWordBack):
		// A word is a part of the path: drop the last one and its slash.
		v := []rune(p.input.Value())
		at := p.input.Position()
		t := strings.TrimRight(string(v[:at]), "/")
		keep := t[:strings.LastIndexByte(t, '/')+1]
		p.input.SetValue(keep + string(v[at:]))
		p.input.SetCursor(len([]rune(keep)))
		p.changed()
	case editKey(&p.input, msg):
		p.changed()
	}
	return nil
}

func (p *gotoPrompt) changed() { p.options, p.more, p.note = nil, 0, "" }

func (p *gotoPrompt) onComplete(msg gotoCompleteMsg) {
	if p.req != msg.req || p.input.Value() != msg.input {
		return // stale: the input changed since
	}
	p.changed()
	switch {
	case msg.err != nil:
		p.note = safe.Text(msg.err.Error())
	case len(msg.names) == 0:
		p.note = "no match"
	case len(msg.names) == 1:
		p.input.SetValue(sanitizeInput(msg.prefix + msg.names[0]))
		p.input.CursorEnd()
	default:
		p.input.SetValue(sanitizeInput(msg.prefix + commonPrefix(msg.names)))
		p.input.CursorEnd()
		p.options = msg.names[:min(len(msg.names), maxOptions)]
		p.more = len(msg.names) - len(p.options)
	}
	if msg.more {
		p.note = fmt.Sprintf("only the first %d pages were read", gotoPages)
	}
}

// splitGoto splits ACCOUNT/REPO/PATH into its parts.
func splitGoto(in string) (account, repo, path string) {
	parts := strings.SplitN(strings.Trim(in, "/"), "/", 3)
	account = parts[0]
	if len(parts) > 1 {
		repo = parts[1]
	}
	if len(parts) > 2 {
		path = strings.Trim(parts[2], "/")
	}
	return account, repo, path
}

// completeGoto lists what completes the last part of input: account ids,
// an account's repository ids, or a folder's entries, whose names start
// with it.
func completeGoto(ctx context.Context, src Source, req uint64, input string) tea.Cmd {
	return func() tea.Msg {
		sep := strings.LastIndexByte(input, '/')
		prefix, base := input[:sep+1], input[sep+1:]
		msg := gotoCompleteMsg{req: req, input: input, prefix: prefix}
		add := func(name string) {
			if strings.HasPrefix(name, base) {
				msg.names = append(msg.names, name)
			}
		}
		parts := strings.Split(strings.TrimSuffix(prefix, "/"), "/")
		var err error
		switch {
		case prefix == "":
			msg.more, err = eachPage(func(cur string) (string, error) {
				pg, err := src.ListAccounts(ctx, "", backend.PageRequest{Cursor: cur})
				for _, a := range pg.Items {
					add(a.ID + "/")
				}
				return pg.Next, err
			})
		case len(parts) == 1:
			msg.more, err = eachPage(func(cur string) (string, error) {
				pg, err := src.ListRepositories(ctx, parts[0], backend.PageRequest{Cursor: cur})
				for _, r := range pg.Items {
					add(r.ID + "/")
				}
				return pg.Next, err
			})
		default:
			ref := backend.RepoRef{AccountID: parts[0], RepositoryID: parts[1]}
			folder := strings.Join(parts[2:], "/")
			msg.more, err = eachPage(func(cur string) (string, error) {
				pg, err := src.ListObjects(ctx, ref, folder, backend.PageRequest{Cursor: cur})
				for _, e := range pg.Items {
					name := baseName(e.Path)
					if e.IsDir() {
						name += "/"
					}
					add(name)
				}
				return pg.Next, err
			})
		}
		msg.err = err
		slices.Sort(msg.names)
		return msg
	}
}

// eachPage calls page with successive cursors until the last page or
// gotoPages pages; more reports that pages were left unread.
func eachPage(page func(cursor string) (next string, err error)) (more bool, err error) {
	cur := ""
	for range gotoPages {
		if cur, err = page(cur); err != nil || cur == "" {
			return false, err
		}
	}
	return true, nil
}

// checkGoto makes sure the place exists: the account lists its
// repositories, the repository lists its root, the path is an entry of
// its folder.
func checkGoto(ctx context.Context, src Source, req uint64, in string) tea.Cmd {
	return func() tea.Msg {
		account, repo, path := splitGoto(in)
		msg := gotoDoneMsg{req: req, account: account, repo: repo, path: path}
		var err error
		switch {
		case repo == "":
			_, err = src.ListRepositories(ctx, account, backend.PageRequest{Limit: 1})
		case path == "":
			_, err = src.ListObjects(ctx, backend.RepoRef{AccountID: account, RepositoryID: repo}, "", backend.PageRequest{Limit: 1})
		default:
			err = findEntry(ctx, src, backend.RepoRef{AccountID: account, RepositoryID: repo}, path)
		}
		if err != nil {
			msg.err = fmt.Errorf("%s: %w", in, err)
			if errors.Is(err, backend.ErrNotFound) {
				msg.err = fmt.Errorf("%s: no such account, repository, file or folder", in)
			}
		}
		return msg
	}
}

// findEntry looks for path among its folder's entries.
func findEntry(ctx context.Context, src Source, ref backend.RepoRef, path string) error {
	if err := backend.ValidateReadPath(path, false); err != nil {
		return err
	}
	found := false
	more, err := eachPage(func(cur string) (string, error) {
		pg, err := src.ListObjects(ctx, ref, backend.ParentFolder(path), backend.PageRequest{Cursor: cur})
		for _, e := range pg.Items {
			if e.Path == path {
				found = true
				return "", err
			}
		}
		return pg.Next, err
	})
	switch {
	case err != nil:
		return err
	case !found && more:
		return fmt.Errorf("not among the first %d pages of its folder", gotoPages)
	case !found:
		return backend.ErrNotFound
	}
	return nil
}

// View draws the prompt, the candidates of the last tab and any note.
func (p *gotoPrompt) View(width, height int) string {
	s := &p.c.Styles
	w := boxWidth(width, 80)
	lines := []string{s.Accent.Render(fit("Go to", w)), "", s.Row.Render(fit("ACCOUNT/REPOSITORY/PATH (tab completes):", w)), viewInput(p.input, s, w, true)}
	for _, o := range p.options {
		lines = append(lines, s.Muted.Render(fit("  "+safe.Text(o), w)))
	}
	if p.more > 0 {
		lines = append(lines, s.Muted.Render(fit(fmt.Sprintf("  … and %d more", p.more), w)))
	}
	switch {
	case p.checking:
		lines = append(lines, s.Accent.Render(p.c.spinner.View()+" checking…"))
	case p.note != "":
		for _, l := range wrap(p.note, w) {
			lines = append(lines, s.Error.Render(l))
		}
	}
	lines = append(lines, "", p.c.shortHelp(p.c.Keys.PromptHelp()))
	return dialog(s.HelpBox, lines, width, height)
}

// ShortHelp is the prompt's keys that cannot be typed.
func (p *gotoPrompt) ShortHelp() []key.Binding { return p.c.Keys.PromptHelp()[1:] }

// FullHelp is the prompt's keys.
func (p *gotoPrompt) FullHelp() [][]key.Binding { return [][]key.Binding{p.c.Keys.PromptHelp()} }

// openGoto opens the go-to prompt at the place shown: the account, the
// repository and the folder of the selected entry.
func (m *Model) openGoto() {
	start := ""
	switch {
	case m.level == levelTree && m.tree != nil:
		start = m.tree.repo.String() + "/"
		if e := m.tree.selected(); e != nil {
			if f := backend.ParentFolder(e.path); f != "" {
				start += f + "/"
			}
		}
	case m.level == levelRepos && m.repos.account != "":
		start = m.repos.account + "/"
	}
	m.open(newGotoPrompt(m.c, start, m.goTo))
}

// goTo shows an account, a repository, or an entry of one: in the
// repository open, the tree reveals it in place.
func (m *Model) goTo(account, repo, path string) tea.Cmd {
	if repo == "" {
		return m.openAccount(account)
	}
	ref := backend.RepoRef{AccountID: account, RepositoryID: repo}
	if m.tree != nil && m.tree.repo == ref {
		m.level = levelTree
		return m.tree.reveal(path)
	}
	m.repos.account = account // loaded when the user goes back
	return m.openRepo(ref, path)
}
