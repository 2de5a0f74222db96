package tui

import (
	"context"
	"path"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/backend/content/render"
)

// The content section: what is inside the selected file (or Zarr
// folder), below its metadata in the preview pane. It is read through the
// session's Previewer in a tea.Cmd once the selection has rested on an
// entry for contentDelay, cancelled as soon as the selection moves, and
// drawn (highlighting and Markdown included) in the same command, so that
// Update and View only copy lines.

// Previewer is what the content section reads through:
// *content.Previewer over the session's store.
type Previewer interface {
	File(ctx context.Context, repo backend.RepoRef, info backend.ObjectInfo) (*content.Summary, error)
	Folder(ctx context.Context, repo backend.RepoRef, dir string) (*content.Summary, error)
}

// Workers bounds how many previews are read and drawn at once. That work
// runs on other goroutines than the keys, but highlighting and rendering
// take CPU: bounded, they leave room for the keys, in one browser and
// across the sessions of a server (which shares one Workers among them).
type Workers chan struct{}

// NewWorkers lets n previews run at once.
func NewWorkers(n int) Workers { return make(Workers, max(1, n)) }

// acquire waits for a place, or for ctx to end (false).
func (w Workers) acquire(ctx context.Context) bool {
	select {
	case w <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (w Workers) release() { <-w }

// contentDelay is how long the selection must rest on an entry before its
// content is read: moving through a folder with a held key starts no
// request per row passed.
const contentDelay = 40 * time.Millisecond

// section is the content section of the selected entry.
type section struct {
	path   string
	dir    bool
	none   bool   // nothing to show for this entry (a plain folder)
	req    uint64 // the current request; 0 when none is under way
	cancel context.CancelFunc

	sum   *content.Summary
	err   error
	lines []string // sum drawn at width
	width int
	dark  bool
}

// loading reports whether the section is waiting for its content.
func (s *section) loading() bool { return s != nil && s.req != 0 }

// contentStartMsg says the selection rested on an entry long enough.
type contentStartMsg struct{ req uint64 }

// contentMsg is a preview read and drawn.
type contentMsg struct {
	req   uint64
	sum   *content.Summary
	err   error
	lines []string
	width int
}

// previewShown reports whether the preview is on screen: the side pane,
// or the full-height preview.
func (v *treePage) previewShown() bool {
	return v.full || v.listWidth() < v.c.Width
}

// contentWidth is the width the content section is drawn at.
func (v *treePage) contentWidth() int {
	if v.full {
		return max(20, v.c.Width-2)
	}
	return max(20, v.c.Width-v.listWidth()-3)
}

// wantContent starts reading the selected entry's content when the
// selection has moved to it, and drawing it again when the width or the
// theme changed. The root calls it after every message.
func (v *treePage) wantContent() tea.Cmd {
	if v.c.content == nil || !v.previewShown() {
		return nil
	}
	e := v.selected()
	if e == nil {
		v.dropSection()
		return nil
	}
	if s := v.sect; s != nil && s.path == e.path && s.dir == e.dir {
		if s.none || s.loading() || (s.sum == nil && s.err == nil) {
			return nil
		}
		if s.width != v.contentWidth() || s.dark != v.c.dark {
			return v.drawContent()
		}
		return nil
	}
	v.dropSection()
	v.scroll = 0
	s := &section{path: e.path, dir: e.dir}
	v.sect = s
	if e.dir && !v.mayBeZarr(e.path) {
		s.none = true
		return nil
	}
	s.req = v.c.nextID()
	req := s.req
	return tea.Tick(contentDelay, func(time.Time) tea.Msg { return contentStartMsg{req: req} })
}

// dropSection cancels the read of the section shown, if under way.
func (v *treePage) dropSection() {
	if v.sect != nil && v.sect.cancel != nil {
		v.sect.cancel()
	}
	v.sect = nil
}

// mayBeZarr reports whether a folder could be a Zarr store or array,
// without asking the store: a path with a segment ending in ".zarr", or
// a loaded listing holding Zarr metadata. A plain folder costs nothing.
func (v *treePage) mayBeZarr(dir string) bool {
	for seg := range strings.SplitSeq(dir, "/") {
		if strings.HasSuffix(strings.ToLower(seg), ".zarr") {
			return true
		}
	}
	l := v.cache.lists[cacheKey{v.repo, dir}]
	if l == nil {
		return false
	}
	for _, e := range l.entries {
		switch e.name() {
		case "zarr.json", ".zarray", ".zgroup", ".zmetadata":
			return true
		}
	}
	return false
}

// startContent reads the section's content once the selection rested on
// it: the summary, drawn at the current width.
func (v *treePage) startContent(msg contentStartMsg) tea.Cmd {
	s := v.sect
	if s == nil || s.req != msg.req {
		return nil // the selection moved on
	}
	e := v.selected()
	if e == nil || e.path != s.path {
		return nil
	}
	ctx, cancel := context.WithCancel(v.ctx)
	s.cancel = cancel
	pv, repo, opts := v.c.content, v.repo, v.renderOptions()
	info := backend.ObjectInfo{Path: e.path, Size: e.size}
	if e.mod != 0 {
		info.ModTime = time.Unix(0, e.mod)
	}
	dir, req, workers := e.dir, s.req, v.c.workers
	return tea.Batch(v.c.spin(), func() tea.Msg {
		defer cancel()
		if !workers.acquire(ctx) {
			return contentMsg{req: req, err: ctx.Err()}
		}
		defer workers.release()
		var sum *content.Summary
		var err error
		if dir {
			sum, err = pv.Folder(ctx, repo, info.Path)
		} else {
			sum, err = pv.File(ctx, repo, info)
		}
		var lines []string
		if err == nil {
			lines = render.Lines(ctx, sum, opts)
		}
		return contentMsg{req: req, sum: sum, err: err, lines: lines, width: opts.Width}
	})
}

// drawContent draws the section's summary again, at the current width
// and in the current theme.
func (v *treePage) drawContent() tea.Cmd {
	s := v.sect
	s.req = v.c.nextID()
	ctx, cancel := context.WithCancel(v.ctx)
	s.cancel = cancel
	sum, req, opts, workers := s.sum, s.req, v.renderOptions(), v.c.workers
	return func() tea.Msg {
		defer cancel()
		if !workers.acquire(ctx) {
			return contentMsg{req: req, err: ctx.Err()}
		}
		defer workers.release()
		return contentMsg{req: req, sum: sum, lines: render.Lines(ctx, sum, opts), width: opts.Width}
	}
}

// onContent keeps a preview read for the entry still selected.
func (v *treePage) onContent(msg contentMsg) {
	s := v.sect
	if s == nil || s.req != msg.req {
		return // stale: the selection moved on
	}
	s.req, s.cancel = 0, nil
	s.sum, s.err, s.lines, s.width, s.dark = msg.sum, msg.err, msg.lines, msg.width, v.c.dark
	if msg.sum == nil && msg.err == nil {
		s.none = true // a folder that is not Zarr after all
	}
}

// renderOptions draws in the session's theme, at the section's width.
func (v *treePage) renderOptions() render.Options {
	st := &v.c.Styles
	return render.Options{
		Width: v.contentWidth(), Color: !st.NoColor, Dark: v.c.dark,
		Styles: render.Styles{Title: st.Accent.Bold(true), Key: st.Label, Dim: st.Muted, Error: st.Warning},
	}
}

// contentLines is the section as drawn below the metadata: the content,
// a spinner while it loads, or why it could not be read.
func (v *treePage) contentLines(width int) []string {
	s := v.sect
	e := v.selected()
	if v.c.content == nil || s == nil || e == nil || s.path != e.path || s.none {
		return nil
	}
	st := &v.c.Styles
	head := []string{"", st.Accent.Render(fit("content", width))}
	switch {
	case s.err != nil:
		return append(head, render.Error(s.err, render.Options{Width: width, Styles: render.Styles{Error: st.Warning}}))
	case s.lines != nil:
		return append(head, s.lines...)
	}
	what := "reading " + path.Base(s.path) + "…"
	return append(head, v.c.spinner.View()+" "+st.Muted.Render(fit(what, width-2)))
}
