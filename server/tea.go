package server

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/keymap"
	"github.com/coopterm/coop/themes"
	"github.com/coopterm/coop/tui"
)

// Each session's content previews keep at most this many summaries, of
// at most this many bytes in all: what a session can make the server
// hold for its previews is bounded (the bytes read for one preview are
// bounded by the preview budget).
const (
	sessionPreviews     = 32
	sessionPreviewBytes = 2 << 20
)

// teaMiddleware runs the browser for sessions with a terminal and at most
// one argument (where to open it), through wish's bubbletea middleware:
// it feeds the client's window changes to the program and restores the
// terminal when the program ends.
func (s *Server) teaMiddleware() wish.Middleware {
	return bubbletea.MiddlewareWithProgramHandler(s.program)
}

// program makes the browser for one session, or returns nil to leave the
// session to the handlers after it.
func (s *Server) program(sess ssh.Session) *tea.Program {
	se := s.sessionOf(sess)
	if se == nil || se.kind != "browser" {
		return nil
	}
	se.browsed.Store(true)
	pty, _, _ := sess.Pty()
	// The client's terminal, from the client's session: its TERM and the
	// environment it sent (COLORTERM, NO_COLOR, COOP_THEME), never the
	// server's own environment.
	env := append(sess.Environ(), "TERM="+pty.Term)
	getenv := func(name string) string {
		for i := len(env) - 1; i >= 0; i-- {
			if k, v, ok := strings.Cut(env[i], "="); ok && k == name {
				return v
			}
		}
		return ""
	}
	keys := keymap.Default()
	theme := s.cfg.Theme
	var previewBytes int64
	var order keymap.Sort
	var expiry time.Duration
	if len(s.cfg.KeyConfig) > 0 {
		// Each session parses its own copy: nothing is shared.
		if cfg, err := keymap.ParseConfig(s.cfg.KeyConfigName, s.cfg.KeyConfig); err == nil {
			keys, previewBytes, order, expiry = cfg.Keys, cfg.PreviewBytes, cfg.Sort, cfg.LinkExpiry
		}
	}
	if t := getenv("COOP_THEME"); t != "" {
		if _, err := themes.Get(t); err == nil || themes.IsAuto(t) {
			theme = t
		}
	}
	start := ""
	if cmd := sess.Command(); len(cmd) == 1 {
		start = cmd[0]
	}
	model := tui.New(se.ctx, se.store, tui.Options{
		Theme:      theme,
		NoColor:    getenv("NO_COLOR") != "",
		KeyMap:     keys,
		Sort:       order,
		LinkExpiry: expiry,
		StartAt:    start,
		PageSize:   s.cfg.PageSize,
		// Content previews read through the session's own access layer,
		// with a small cache of the session's own (a shared one would
		// show one user what another may read).
		Content: content.New(se.store, content.Options{MaxBytes: previewBytes, CacheEntries: sessionPreviews, CacheBytes: sessionPreviewBytes}),
		// Every session's previews share the server's CPU for drawing.
		ContentWorkers: s.previews,
	})
	opts := append(bubbletea.MakeOptions(sess),
		// Input marks the connection active (for the idle time-out).
		tea.WithInput(activity{r: sess, conn: se.conn}),
		// Signals sent to the server are the server's: it ends every
		// session itself, with a message, on shutdown.
		tea.WithoutSignalHandler(),
	)
	p := tea.NewProgram(model, opts...)
	// When the server ends the session (shutdown, idle, a removed key),
	// the program quits the ordinary way, so it draws its last frame and
	// leaves the alternate screen before the session says why it ended.
	go func() {
		<-se.ctx.Done()
		p.Quit()
	}()
	return p
}

// resetTerminal is written to a client after the browser, whatever way
// it ended: back to the main screen, cursor shown, mouse reports,
// bracketed paste, focus reports and keyboard enhancements off. The
// program does this itself when it stops; this makes sure of it even if
// its last writes were cut short.
const resetTerminal = ansi.ResetModeAltScreenSaveCursor + ansi.ShowCursor +
	ansi.ResetModeMouseButtonEvent + ansi.ResetModeMouseAnyEvent + ansi.ResetModeMouseExtSgr +
	ansi.ResetModeBracketedPaste + ansi.ResetModeFocusEvent + ansi.ResetModifyOtherKeys +
	"\x1b[<1u" // pop one kitty keyboard mode (ansi.PopKittyKeyboard(1))
