package tui

import (
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/transfer"
)

// component is one part of the screen: a page (a level of the browser) or
// an overlay. It takes the messages the root routes to it, draws itself
// into the area it is given, and names its keys for the footer (ShortHelp)
// and the help overlay (FullHelp).
type component interface {
	// Update handles a message routed to the component. It never blocks:
	// I/O is returned as a command.
	Update(msg tea.Msg) tea.Cmd
	// View draws the component into exactly height lines of exactly width
	// cells.
	View(width, height int) string
	// ShortHelp lists the keys for the footer. An overlay that returns nil
	// leaves the footer to what is below it.
	ShortHelp() []key.Binding
	// FullHelp lists every key of the component, in columns.
	FullHelp() [][]key.Binding
}

// page is one level of the browser: accounts, an account's repositories,
// or a repository's tree. The root keeps one of each and shows one.
type page interface {
	component
	// typing reports whether the page's filter input has the keyboard, so
	// that printable keys are typed rather than acted on.
	typing() bool
	// heading draws the middle of the header line, width cells wide.
	heading(width int) string
	// crumb is the breadcrumb trail, for the window title.
	crumb() string
	// columns draws the line of column titles under the header.
	columns(width int) string
	// status is the left part of the status line, at most width cells:
	// counts, or the filter while one is typed or kept.
	status(width int) string
	// busy reports whether anything the page shows is loading.
	busy() bool
}

// overlay is a component drawn over the page: a dialog, the help, an
// error, the transfers panel. Overlays sit on a stack ordered by layer;
// the top one takes the keys and is the one drawn.
type overlay interface {
	component
	layer() layer
}

// titled is an overlay that replaces the column titles under the header
// (the transfers panel does).
type titled interface {
	columns(width int) string
}

// layer orders overlays: an overlay opens above every overlay of its own
// or a lower layer and below those of higher layers, whatever the order
// they opened in.
type layer int

const (
	// layerPanel is the transfers panel, which replaces the page's body.
	layerPanel layer = iota
	// layerQuestion is the overwrite question: it waits under any dialog
	// the user opened, so keys meant for that dialog never answer it.
	layerQuestion
	// layerDialog is a path prompt or a delete confirmation.
	layerDialog
	// layerHelp is the help overlay.
	layerHelp
	// layerQuit asks whether to quit with transfers unfinished.
	layerQuit
	// layerError is an error, shown above everything until a key.
	layerError
)

// stack is the root's overlays, bottom first.
type stack []overlay

// push opens o above the overlays of its layer and below higher ones.
func (s *stack) push(o overlay) {
	i := len(*s)
	for i > 0 && (*s)[i-1].layer() > o.layer() {
		i--
	}
	*s = slices.Insert(*s, i, o)
}

// remove closes o, wherever it is on the stack.
func (s *stack) remove(o overlay) {
	*s = slices.DeleteFunc(*s, func(x overlay) bool { return x == o })
}

// top is the overlay that takes the keys, or nil.
func (s stack) top() overlay {
	if len(s) == 0 {
		return nil
	}
	return s[len(s)-1]
}

// find returns the first overlay of type T on the stack.
func find[T overlay](s stack) (T, bool) {
	for _, o := range s {
		if t, ok := o.(T); ok {
			return t, true
		}
	}
	var zero T
	return zero, false
}

// shell is what components may ask of the browser around them. The root
// Model implements it; components keep it in Common.
type shell interface {
	// open shows an overlay.
	open(o overlay)
	// close removes an overlay.
	close(o overlay)
	// fail shows an error until a key dismisses it.
	fail(title string, err error)
	// say shows a one-line note in the status line until the next key.
	say(note string)
	// sayJob shows a note about job id (0: the jobs running) until the
	// next key, or until that job (all of them) ends.
	sayJob(note string, id transfer.JobID)
	// openAccount shows an account's repositories.
	openAccount(id string) tea.Cmd
	// openRepo shows a repository's tree, selecting path once it loads.
	openRepo(ref backend.RepoRef, path string) tea.Cmd
	// back goes back one level.
	back() tea.Cmd
	// askQuit asks before quitting with transfers unfinished, else quits.
	askQuit() tea.Cmd
	// exit ends the session at once.
	exit() tea.Cmd
}
