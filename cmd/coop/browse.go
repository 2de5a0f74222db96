package main

import (
	"context"
	"fmt"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/backend/transfer"
	"github.com/coopterm/coop/keymap"
	"github.com/coopterm/coop/themes"
	"github.com/coopterm/coop/tui"
)

// browse opens the browser on the store the flags name, at start
// ("account", "account/repo" or "account/repo/path") if it is not empty.
func (a *app) browse(ctx context.Context, start string) error {
	cfg, err := keymap.LoadConfig(a.configPath())
	if err != nil {
		return usageError{err.Error()}
	}
	theme, err := a.theme(cfg.Theme)
	if err != nil {
		return err
	}
	if !a.terminal() {
		return usagef("the browser needs a terminal; use `coop ls` in scripts")
	}
	store, err := a.openStore(ctx, false)
	if err != nil {
		return err
	}
	defer store.Close()
	// One queue for the browser's uploads, downloads and deletes. Closing
	// it cancels what is unfinished (the browser asks before quitting
	// with jobs running) and writes the metadata of what was done.
	queue := transfer.New(ctx, store, transfer.Options{})
	model := tui.New(ctx, store, tui.Options{
		Theme:      theme,
		NoColor:    a.getenv("NO_COLOR") != "",
		KeyMap:     cfg.Keys,
		Sort:       cfg.Sort,
		LinkExpiry: cfg.LinkExpiry,
		StartAt:    start,
		Transfers:  tui.FromQueue(queue),
		Content:    content.New(store, content.Options{MaxBytes: cfg.PreviewBytes}),
		Pager: &tui.Pager{Command: tui.PagerCommand(a.getenv("PAGER")),
			Open: func(ctx context.Context, repo backend.RepoRef, p string) (io.ReadCloser, error) {
				rc, _, err := store.GetObject(ctx, repo, p)
				return rc, err
			}},
	})
	_, runErr := tea.NewProgram(model, tea.WithContext(ctx)).Run()
	closeErr := queue.Close()
	if runErr != nil {
		return fmt.Errorf("browser: %w", runErr)
	}
	if closeErr != nil {
		return fmt.Errorf("transfers: %w", closeErr)
	}
	return nil
}

// theme is --theme (or COOP_THEME), else the config file's theme, checked
// to be one coop has.
func (a *app) theme(fromConfig string) (string, error) {
	theme := fromConfig
	if a.opts.theme != "" {
		theme = a.opts.theme
	}
	if !themes.IsAuto(theme) {
		if _, err := themes.Get(theme); err != nil {
			return "", usageError{err.Error()}
		}
	}
	return theme, nil
}

func (a *app) configPath() string {
	if a.opts.config != "" {
		return a.opts.config
	}
	return keymap.ConfigPath(a.getenv)
}

func (a *app) terminal() bool {
	if a.isTerminal != nil {
		return a.isTerminal()
	}
	return term.IsTerminal(os.Stdout.Fd()) && term.IsTerminal(os.Stdin.Fd())
}
