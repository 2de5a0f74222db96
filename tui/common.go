package tui

import (
	"context"

	"github.com/coopterm/coop/keymap"
	"github.com/coopterm/coop/themes"
)

// Common is the per-session state every part of the browser shares: the
// session's context, styles, key bindings and terminal size. Each SSH
// session gets its own, which is why nothing here is package state.
type Common struct {
	// Ctx ends when the session does; every store call runs under it.
	Ctx context.Context
	// Styles are derived from the session's theme.
	Styles themes.Styles
	// Keys are the session's bindings.
	Keys keymap.KeyMap
	// Width and Height are the terminal size in cells.
	Width, Height int

	lastID uint64
}

// nextID returns a fresh request or generation id. Only Update calls it,
// so it needs no locking.
func (c *Common) nextID() uint64 {
	c.lastID++
	return c.lastID
}

// level is which list the browser shows.
type level int

const (
	levelAccounts level = iota
	levelRepos
	levelTree
)

// Layout: one header line, one line of tabs or column titles, the body,
// one status line and one help line.
const (
	headerLines = 2
	footerLines = 2
	minWidth    = 40
	minHeight   = 10
)

// bodyHeight is the number of list rows on screen.
func (c *Common) bodyHeight() int {
	return max(1, c.Height-headerLines-footerLines)
}
