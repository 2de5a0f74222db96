package server

import (
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/coopterm/coop/keymap"
	"github.com/coopterm/coop/themes"
	"github.com/coopterm/coop/tui"
)

// browse runs the browser for one session with a terminal, until the user
// quits or the session ends, and returns the exit status.
func (s *Server) browse(se *session, startAt string) int {
	pty, winch, _ := se.sess.Pty()
	// The client's terminal, from the client's session: its TERM and the
	// environment it sent (COLORTERM, NO_COLOR, COOP_THEME), never the
	// server's own environment.
	env := append(se.sess.Environ(), "TERM="+pty.Term)
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
	if len(s.cfg.KeyConfig) > 0 {
		// Each session parses its own copy: nothing is shared.
		if cfg, err := keymap.ParseConfig(s.cfg.KeyConfigName, s.cfg.KeyConfig); err == nil {
			keys = cfg.Keys
		}
	}
	if t := getenv("COOP_THEME"); t != "" {
		if _, err := themes.Get(t); err == nil || themes.IsAuto(t) {
			theme = t
		}
	}
	model := tui.New(se.ctx, se.store, tui.Options{
		Theme:    theme,
		NoColor:  getenv("NO_COLOR") != "",
		KeyMap:   keys,
		StartAt:  startAt,
		PageSize: s.cfg.PageSize,
	})
	p := tea.NewProgram(model,
		tea.WithContext(se.ctx),
		tea.WithInput(activity{r: se.sess, conn: se.conn}),
		tea.WithOutput(se.sess),
		tea.WithEnvironment(env),
		tea.WithColorProfile(colorprofile.Env(env)),
		tea.WithWindowSize(pty.Window.Width, pty.Window.Height),
		// Signals sent to the server are the server's: it ends every
		// session itself, with a message, on shutdown.
		tea.WithoutSignalHandler(),
		tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
			if _, ok := msg.(tea.SuspendMsg); ok {
				return tea.ResumeMsg{} // ctrl+z would stop the server's process
			}
			return msg
		}),
	)
	go func() {
		for {
			select {
			case <-se.ctx.Done():
				return
			case w, ok := <-winch:
				if !ok {
					return
				}
				p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
			}
		}
	}()
	_, err := p.Run()
	p.Kill()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		s.logf("session of %s from %s: %v", se.who, se.conn.remote, err)
		return 1
	}
	return 0
}
