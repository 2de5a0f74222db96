package tui

import (
	"context"
	"errors"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

// maxSearchHits is how many matches a search keeps to list; it goes on
// counting the others. 50,000 paths are a few megabytes.
const maxSearchHits = 50_000

// searchHead is the number of body lines above the matches: the query
// and the search's progress.
const searchHead = 2

// searchHit is one match: a file, or a folder.
type searchHit struct {
	path string
	dir  bool
}

// searchBox searches the whole repository for names containing the query:
// the store's one-listing walk (backend.Walk) runs in a command and
// streams its matches through a feed, so the first ones show while the
// walk goes on. Nothing of the walk reaches the tree: the page below keeps
// only what the user opened. esc stops a search under way, and closes the
// box when none is.
type searchBox struct {
	c     *Common
	repo  backend.RepoRef
	jump  func(path string) tea.Cmd // selects a match in the tree
	input textinput.Model
	nav   nav

	query   string // the query of the search shown
	run     *searchFeed
	hits    []searchHit
	scanned int  // objects walked so far
	matched int  // matches so far, kept or not
	running bool // a walk is under way
	stopped bool // the user stopped the walk
	err     error
	took    time.Duration
}

// newSearchBox opens a search of repo; jump selects a match in the tree.
func newSearchBox(c *Common, repo backend.RepoRef, jump func(string) tea.Cmd) *searchBox {
	b := &searchBox{c: c, repo: repo, jump: jump, input: newInput(c, "search: ")}
	b.input.Focus()
	return b
}

func (b *searchBox) layer() layer { return layerDialog }

// loading reports whether the walk is under way, for the spinner.
func (b *searchBox) loading() bool { return b.running }

// rows is the number of matches on screen.
func (b *searchBox) rows() int { return max(1, b.c.bodyHeight()-searchHead) }

// columns replaces the page's column titles.
func (b *searchBox) columns(width int) string {
	return b.c.Styles.ColumnHeader.Render(fit("SEARCH "+safe.Text(b.repo.String()), width))
}

// Update handles keys, pasted text and the walk's matches.
func (b *searchBox) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return b.onKey(msg)
	case tea.PasteMsg:
		pasteInto(&b.input, msg.Content)
	case searchMsg:
		return b.onMatches(msg)
	case tea.WindowSizeMsg:
		b.nav.clamp(len(b.hits), b.rows())
	case tea.MouseWheelMsg:
		b.nav.scroll(wheelRows(msg), len(b.hits), b.rows())
	}
	return nil
}

func (b *searchBox) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &b.c.Keys
	n, h := len(b.hits), b.rows()
	switch {
	case key.Matches(msg, k.Cancel):
		if b.running {
			b.stop()
			b.stopped = true
			return nil
		}
		b.stop()
		b.c.shell.close(b)
	case key.Matches(msg, k.Submit):
		q := strings.TrimSpace(b.input.Value())
		if q == "" {
			return nil
		}
		if q != b.query || (!b.running && n == 0) {
			return b.start(q)
		}
		if b.nav.cursor < n {
			hit := b.hits[b.nav.cursor]
			b.stop()
			b.c.shell.close(b)
			return b.jump(hit.path)
		}
	case key.Matches(msg, k.Up):
		b.nav.move(-1, n, h)
	case key.Matches(msg, k.Down):
		b.nav.move(1, n, h)
	case key.Matches(msg, k.PageUp):
		b.nav.move(-h, n, h)
	case key.Matches(msg, k.PageDown):
		b.nav.move(h, n, h)
	default:
		editKey(&b.input, msg)
	}
	return nil
}

// start begins a search for q, stopping the one under way.
func (b *searchBox) start(q string) tea.Cmd {
	b.stop()
	ctx, cancel := context.WithCancel(b.c.Ctx)
	f := newSearchFeed(b.c.nextID(), cancel)
	b.run, b.query = f, q
	b.hits, b.scanned, b.matched, b.err, b.took = nil, 0, 0, nil, 0
	b.running, b.stopped = true, false
	b.nav = nav{}
	return tea.Batch(b.c.spin(), f.walk(ctx, b.c.src, b.repo, q), f.next(b.c.Ctx))
}

// stop cancels the walk under way, if any; its last matches are kept.
func (b *searchBox) stop() {
	if b.run != nil {
		b.run.cancel()
	}
	b.running = false
}

// onMatches adds the matches a feed gathered since the last message, and
// waits for the next ones unless the walk has ended.
func (b *searchBox) onMatches(msg searchMsg) tea.Cmd {
	if b.run == nil || msg.id != b.run.id {
		return nil // a search since replaced
	}
	if room := maxSearchHits - len(b.hits); room > 0 {
		b.hits = append(b.hits, msg.hits[:min(room, len(msg.hits))]...)
	}
	b.scanned, b.matched = msg.scanned, msg.matched
	b.nav.clamp(len(b.hits), b.rows())
	if !msg.done {
		return b.run.next(b.c.Ctx)
	}
	b.running, b.took = false, msg.took
	if msg.err != nil && !errors.Is(msg.err, context.Canceled) {
		b.err = msg.err
	}
	return nil
}

// View draws the query, the search's progress and the matches.
func (b *searchBox) View(width, height int) string {
	s := &b.c.Styles
	lines := make([]string, 0, height)
	lines = append(lines, fit(" "+viewInput(b.input, s, width-2, true), width))
	lines = append(lines, fit(" "+b.progress(), width))
	body := listLines(b.nav, len(b.hits), max(0, height-searchHead), width, func(i int, sel bool) string {
		hit := b.hits[i]
		label := safe.Text(hit.path)
		style := s.Row
		if hit.dir {
			label += "/"
			style = s.Directory
		}
		if sel {
			return s.Selected.Render(fit("  "+label, width))
		}
		return style.Render(fit("  "+label, width))
	})
	lines = append(lines, body...)
	return strings.Join(lines[:height], "\n")
}

// progress says how far the search is: objects walked, matches, time.
func (b *searchBox) progress() string {
	s := &b.c.Styles
	if b.query == "" {
		return s.Muted.Render("type a part of a name and press enter: every folder of the repository is searched")
	}
	counts := plural(b.matched, "match", "matches") + " among " + plural(b.scanned, "object", "objects")
	if b.matched > len(b.hits) {
		counts += " (first " + humanize.Count(int64(len(b.hits))) + " listed)"
	}
	switch {
	case b.err != nil:
		return s.Error.Render("search failed: "+safe.Text(b.err.Error())) + s.Muted.Render(" · "+counts)
	case b.running:
		return s.Accent.Render("searching… ") + s.Status.Render(counts) + s.Muted.Render(" · esc stops")
	case b.stopped:
		return s.Warning.Render("stopped: ") + s.Status.Render(counts)
	}
	return s.Status.Render(counts + " · " + b.took.Round(time.Millisecond).String())
}

// ShortHelp is the search's keys.
func (b *searchBox) ShortHelp() []key.Binding {
	k := &b.c.Keys
	return []key.Binding{untypedKey(k.Submit, "search/go to"), untypedKey(k.Up, ""), untypedKey(k.Down, ""), untypedKey(k.Cancel, "stop/close")}
}

// FullHelp is the search's keys.
func (b *searchBox) FullHelp() [][]key.Binding { return [][]key.Binding{b.ShortHelp()} }

// untypedKey is b without the keys that would be typed into the query,
// described as desc ("" keeps b's description).
func untypedKey(b key.Binding, desc string) key.Binding {
	var keys []string
	for _, s := range b.Keys() {
		if len([]rune(s)) > 1 {
			keys = append(keys, s)
		}
	}
	if desc == "" {
		desc = b.Help().Desc
	}
	if len(keys) == 0 {
		return key.NewBinding(key.WithDisabled())
	}
	h := b.Help().Key
	if i := strings.IndexByte(h, '/'); i > 0 && len([]rune(h[i+1:])) == 1 {
		h = h[:i] // "↑/k": k would be typed
	}
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(h, desc))
}
