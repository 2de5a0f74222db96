package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/internal/safe"
	"github.com/coopterm/coop/keymap"
)

// helpBox lists every key, grouped by purpose, in as many columns as the
// width holds; it scrolls when the keys do not fit the height, and keeps
// its border at every size the browser draws.
type helpBox struct {
	c     *Common
	first string // the group listed first (the panel's), if any
	top   int    // the first line shown
	shown int    // lines shown at the last View, for paging
}

// Widths of the help: a column of groups is at least helpColumn cells,
// and the box is at most helpMost.
const (
	helpColumn = 36
	helpMost   = 3*helpColumn + 2*2 + 4
)

func (b *helpBox) layer() layer { return layerHelp }

// Update scrolls on the moving keys and the mouse wheel; the help and
// quit keys, esc and any other key close the box (q closes it, it does
// not quit), as does a click.
func (b *helpBox) Update(msg tea.Msg) tea.Cmd {
	k := &b.c.Keys
	page := max(1, b.shown-1)
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Up):
			b.top--
		case key.Matches(msg, k.Down):
			b.top++
		case key.Matches(msg, k.PageUp):
			b.top -= page
		case key.Matches(msg, k.PageDown):
			b.top += page
		case key.Matches(msg, k.Top):
			b.top = 0
		case key.Matches(msg, k.Bottom):
			b.top = 1 << 30
		default:
			b.c.shell.close(b)
		}
		b.top = max(0, b.top) // the upper bound is the View's
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelUp {
			b.top = max(0, b.top-3)
		} else {
			b.top += 3
		}
	case tea.MouseClickMsg:
		b.c.shell.close(b)
	}
	return nil
}

// View draws the box as wide as the screen allows (up to three columns
// of groups), as high as its lines need or the area allows, with a last
// line that says which lines are shown and how to scroll and close.
func (b *helpBox) View(width, height int) string {
	s := &b.c.Styles
	bw := min(width, helpMost)
	iw := max(1, bw-4) // border and padding
	lines := b.lines(iw)
	avail := max(1, height-3) // border and the last line
	last := max(0, len(lines)-avail)
	b.top = min(b.top, last)
	shown := lines[b.top:min(len(lines), b.top+avail)]
	b.shown = len(shown)
	closeKeys := keyName(b.c.Keys.Back) + "/" + keyName(b.c.Keys.Help) + " close"
	var foot string
	if last == 0 {
		foot = "keys · " + closeKeys
	} else {
		foot = fmt.Sprintf("%d–%d of %d · %s/%s scroll · %s", b.top+1, b.top+len(shown), len(lines),
			keyName(b.c.Keys.Down), keyName(b.c.Keys.Up), closeKeys)
	}
	out := make([]string, 0, len(shown)+1)
	for _, l := range shown {
		out = append(out, fit(l, iw))
	}
	out = append(out, s.Muted.Render(fit(foot, iw)))
	return centre(s.HelpBox.Render(strings.Join(out, "\n")), width, height)
}

// lines lays the groups out in columns of at least helpColumn cells,
// each group whole in one column, the columns about as long as each
// other.
func (b *helpBox) lines(width int) []string {
	groups := b.groups()
	cols := max(1, min(3, (width+2)/(helpColumn+2)))
	colW := (width - 2*(cols-1)) / cols
	blocks := make([][]string, len(groups))
	total := 0
	for i, g := range groups {
		blocks[i] = b.block(g, colW)
		total += len(blocks[i]) + 1
	}
	// Fill each column up to a share of the lines, in order.
	columns := make([][]string, 0, cols)
	var cur []string
	for _, bl := range blocks {
		if len(cur) > 0 && len(columns) < cols-1 && len(cur)+len(bl)/2 > (total+cols-1)/cols {
			columns, cur = append(columns, cur), nil
		}
		if len(cur) > 0 {
			cur = append(cur, "")
		}
		cur = append(cur, bl...)
	}
	columns = append(columns, cur)
	if len(columns) == 1 {
		return columns[0]
	}
	n := 0
	for _, c := range columns {
		n = max(n, len(c))
	}
	out := make([]string, n)
	for r := range n {
		var sb strings.Builder
		for ci, c := range columns {
			if ci > 0 {
				sb.WriteString("  ")
			}
			cell := ""
			if r < len(c) {
				cell = c[r]
			}
			sb.WriteString(fit(cell, colW))
		}
		out[r] = sb.String()
	}
	return out
}

// groups are the session's keys by purpose, the box's first group (if
// set) first.
func (b *helpBox) groups() []keymap.Group {
	gs := b.c.Keys.Groups()
	for i, g := range gs {
		if g.Title == b.first && i > 0 {
			return append(append([]keymap.Group{g}, gs[:i]...), gs[i+1:]...)
		}
	}
	return gs
}

// block renders one group: its title, then a line per binding with its
// keys (every one, as bound) and what it does. Keys too long for their
// column get a line of their own, the description below them.
func (b *helpBox) block(g keymap.Group, width int) []string {
	s := &b.c.Styles
	out := []string{s.Accent.Bold(true).Render(ansi.Truncate(g.Title, width, "…"))}
	kw := min(14, width/2)
	for _, bd := range g.Bindings {
		keys := safe.Text(keyList(bd))
		desc := safe.Text(bd.Help().Desc)
		if ansi.StringWidth(keys) > kw {
			out = append(out, s.Help.FullKey.Render(ansi.Truncate(keys, width, "…")),
				strings.Repeat(" ", kw+1)+s.Help.FullDesc.Render(ansi.Truncate(desc, width-kw-1, "…")))
			continue
		}
		out = append(out, s.Help.FullKey.Render(fit(keys, kw))+" "+s.Help.FullDesc.Render(ansi.Truncate(desc, width-kw-1, "…")))
	}
	return out
}

// keyList is every key of a binding, arrows as symbols: "↑/k".
func keyList(b key.Binding) string {
	keys := b.Keys()
	shown := make([]string, len(keys))
	for i, k := range keys {
		switch k {
		case "up":
			k = "↑"
		case "down":
			k = "↓"
		case "left":
			k = "←"
		case "right":
			k = "→"
		}
		shown[i] = k
	}
	return strings.Join(shown, "/")
}

// ShortHelp names the keys of the box.
func (b *helpBox) ShortHelp() []key.Binding {
	k := &b.c.Keys
	return []key.Binding{
		key.NewBinding(key.WithKeys(k.Down.Keys()...), key.WithHelp(keyName(k.Down)+"/"+keyName(k.Up), "scroll")),
		key.NewBinding(key.WithKeys(k.Back.Keys()...), key.WithHelp(keyName(k.Back)+"/"+keyName(k.Quit), "close")),
	}
}

// FullHelp is every key.
func (b *helpBox) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, g := range b.groups() {
		out = append(out, g.Bindings)
	}
	return out
}
