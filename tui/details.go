package tui

import (
	"maps"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/safe"
)

// detailsBox shows every attribute of an account or a repository, as the
// catalog holds it: the metadata maps key by key, the description in
// full, and what coop could not read with the reason. It scrolls; any
// other key closes it.
type detailsBox struct {
	c     *Common
	title string
	// rows are label and value pairs; an empty label continues a section
	// heading's value, a label with an empty value is a heading.
	rows [][2]string
	// warn lists what could not be read, shown first.
	warn []string
	top  int // first line shown
}

func (b *detailsBox) layer() layer { return layerHelp }

// accountDetails builds the details of a.
func accountDetails(c *Common, a *backend.Account) *detailsBox {
	b := &detailsBox{c: c, title: "account " + a.ID}
	b.add("id", a.ID)
	b.add("type", string(a.Type))
	b.add("name", a.Name)
	b.add("email", a.Email)
	b.add("created", stamp(a.CreatedAt))
	b.add("updated", stamp(a.UpdatedAt))
	b.addMap("metadata_public", a.MetadataPublic)
	b.addMap("metadata_private", a.MetadataPrivate)
	b.unread(a.Unreadable)
	return b
}

// repoDetails builds the details of r.
func repoDetails(c *Common, r *backend.Repository) *detailsBox {
	b := &detailsBox{c: c, title: "repository " + r.Ref().String()}
	b.add("id", r.ID)
	b.add("account", r.AccountID)
	b.add("title", r.Title)
	b.add("visibility", string(r.Visibility))
	b.add("created", stamp(r.CreatedAt))
	b.add("updated", stamp(r.UpdatedAt))
	b.add("description", r.Description)
	b.addMap("metadata", r.Metadata)
	b.unread(r.Unreadable)
	return b
}

func (b *detailsBox) add(label, value string) {
	b.rows = append(b.rows, [2]string{label, orDash(value)})
}

// addMap adds a heading and the map's keys in order, values as the
// preview shows custom metadata (strings as they are, the rest as JSON).
func (b *detailsBox) addMap(name string, m map[string]any) {
	if len(m) == 0 {
		b.add(name, "")
		return
	}
	b.rows = append(b.rows, [2]string{name, ""})
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b.rows = append(b.rows, [2]string{"  " + k, valueText(m[k])})
	}
}

func (b *detailsBox) unread(errs []backend.FieldError) {
	for _, e := range errs {
		field := e.Field
		if field == "" {
			field = "the whole item"
		}
		b.warn = append(b.warn, "! "+field+" cannot be read: "+e.Reason)
	}
}

// lines draws the box's content for a width of w cells.
func (b *detailsBox) lines(w int) []string {
	s := &b.c.Styles
	var out []string
	for _, l := range b.warn {
		for _, part := range wrap(safe.Text(l), w) {
			out = append(out, s.Warning.Render(part))
		}
	}
	lw := 0
	for _, r := range b.rows {
		lw = max(lw, min(ansi.StringWidth(safe.Text(r[0])), w/3))
	}
	for _, r := range b.rows {
		label := fit(safe.Text(r[0]), lw)
		if r[1] == "" { // a heading
			out = append(out, s.Accent.Render(label))
			continue
		}
		for i, part := range wrap(safe.Text(r[1]), max(1, w-lw-1)) {
			if i > 0 {
				label = strings.Repeat(" ", lw)
			}
			out = append(out, s.Label.Render(label)+" "+s.Value.Render(part))
		}
	}
	return out
}

// Update scrolls on the moving keys and closes on any other key.
func (b *detailsBox) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		k := &b.c.Keys
		switch {
		case key.Matches(msg, k.Down):
			b.top++
		case key.Matches(msg, k.Up):
			b.top = max(0, b.top-1)
		case key.Matches(msg, k.PageDown):
			b.top += 10
		case key.Matches(msg, k.PageUp):
			b.top = max(0, b.top-10)
		default:
			b.c.shell.close(b)
			if key.Matches(msg, k.Quit) {
				return b.c.shell.askQuit()
			}
		}
	case tea.MouseClickMsg:
		b.c.shell.close(b)
	}
	return nil
}

// View draws the details in a box, scrolled to top.
func (b *detailsBox) View(width, height int) string {
	s := &b.c.Styles
	w := max(10, min(width-4, 100))
	body := b.lines(w)
	room := max(1, height-6)
	b.top = min(b.top, max(0, len(body)-room))
	shown := body[b.top:min(len(body), b.top+room)]
	hint := "↑/↓ scroll · any other key closes"
	if len(body) <= room {
		hint = "press any key to close"
	}
	lines := append([]string{s.Accent.Bold(true).Render(ansi.Truncate(safe.Text(b.title), w, "…")), ""}, shown...)
	lines = append(lines, "", s.Muted.Render(hint))
	return dialog(s.HelpBox, lines, width, height)
}

// ShortHelp leaves the footer to what is below.
func (b *detailsBox) ShortHelp() []key.Binding { return nil }

// FullHelp names the scrolling keys.
func (b *detailsBox) FullHelp() [][]key.Binding {
	return [][]key.Binding{{b.c.Keys.Up, b.c.Keys.Down, b.c.Keys.PageUp, b.c.Keys.PageDown}}
}
