package tui

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
	"github.com/coopterm/coop/themes"
)

// metaState is what the session has read of one repository's
// .source-metadata.json: the entries of the paths it has previewed, with
// those of the files listed around them (metalookup.go; a document may
// hold millions, so never the whole of it), until the repository is
// reloaded or written to.
type metaState struct {
	entries map[string]*entryState
}

// entryState is the metadata entry of one path, loading or read.
type entryState struct {
	loading bool
	alone   bool // a folder lookup could not tell: look it up alone
	req     uint64
	meta    backend.ObjectMeta
	err     error
}

// metadataMsg is the result of one ReadObjectMetadata.
type metadataMsg struct {
	req  uint64
	repo backend.RepoRef
	path string
	meta backend.ObjectMeta
	err  error
}

// loadMetadata forgets what was read of the repository's metadata if
// force is set (a reload, or a write), and looks up the selected entry.
func (v *treePage) loadMetadata(force bool) tea.Cmd {
	if st := v.cache.meta[v.repo]; st == nil || force {
		v.cache.meta[v.repo] = &metaState{entries: map[string]*entryState{}}
	}
	return v.wantMeta()
}

// wantMeta looks up the metadata entry of the selected row unless it is
// known or on its way: with its neighbours (see wantNeighbours) for a
// file, else alone. The root calls it after every message, so that a
// selection moved by any means brings its entry.
func (v *treePage) wantMeta() tea.Cmd {
	if v.c.previewHidden {
		return nil
	}
	e := v.selected()
	if e == nil {
		return nil
	}
	st := v.cache.meta[v.repo]
	if st == nil {
		st = &metaState{entries: map[string]*entryState{}}
		v.cache.meta[v.repo] = st
	}
	switch es := st.entries[e.path]; {
	case es == nil:
		if cmd := v.wantNeighbours(e, st); cmd != nil {
			return cmd
		}
	case !es.alone:
		return nil
	}
	es := &entryState{loading: true, req: v.c.nextID()}
	st.entries[e.path] = es
	req, src, ctx, repo, path, dir := es.req, v.c.src, v.ctx, v.repo, e.path, e.dir
	return tea.Batch(v.c.spin(), func() tea.Msg {
		md, err := src.ReadObjectMetadata(ctx, repo, path)
		if dir && errors.Is(err, backend.ErrNotFound) {
			md, err = src.ReadObjectMetadata(ctx, repo, path+"/")
		}
		return metadataMsg{req: req, repo: repo, path: path, meta: md, err: err}
	})
}

// onMetadata keeps an entry read for the cache, unless it was forgotten
// (a reload) since the lookup started.
func (ch *cache) onMetadata(msg metadataMsg) {
	st := ch.meta[msg.repo]
	if st == nil {
		return
	}
	es := st.entries[msg.path]
	if es == nil || es.req != msg.req {
		return // stale: reloaded since
	}
	es.loading, es.meta, es.err = false, msg.meta, msg.err
}

// metaLoading reports whether the selected row's entry is on its way.
func (v *treePage) metaLoading() bool {
	e, st := v.selected(), v.cache.meta[v.repo]
	if e == nil || st == nil {
		return false
	}
	es := st.entries[e.path]
	return es != nil && es.loading
}

// previewLines renders the preview pane for the selected entry, from
// the line the user scrolled to, height lines at most: when it does not
// fit, the last line says which lines are shown and how to scroll.
func (v *treePage) previewLines(width, height int) []string {
	lines := v.previewAll(width)
	if len(lines) <= height {
		return lines
	}
	if height < 2 {
		return lines[:height]
	}
	top := min(v.scroll, len(lines)-(height-1))
	shown := lines[top : top+height-1]
	k := &v.c.Keys
	mark := fmt.Sprintf("── %d–%d of %d · %s/%s scroll ", top+1, top+height-1, len(lines), keyName(k.PreviewDown), keyName(k.PreviewUp))
	if v.full {
		mark = fmt.Sprintf("── %d–%d of %d ", top+1, top+height-1, len(lines))
	}
	mark = ansi.Truncate(mark+strings.Repeat("─", max(0, width)), width, "")
	return append(shown[:len(shown):len(shown)], v.c.Styles.Muted.Render(mark))
}

// scrollPreview moves the preview n lines (up if n < 0), within its
// lines.
func (v *treePage) scrollPreview(n int) {
	width := v.contentWidth()
	total := len(v.previewAll(width))
	last := max(0, total-(v.c.bodyHeight()-1))
	v.scroll = max(0, min(v.scroll+n, last))
}

// previewAll renders the whole preview of the selected entry: every
// field of its metadata entry, or why there is none, then what is inside
// it.
func (v *treePage) previewAll(width int) []string {
	s := &v.c.Styles
	var lines []string
	add := func(line string) { lines = append(lines, line) }
	field := func(label, value string) { fieldLines(s, width, 10, label, value, add) }
	e := v.selected()
	if e == nil {
		return []string{s.Muted.Render(fit("nothing selected", width))}
	}
	title := safe.Text(e.name())
	if e.dir {
		title += "/"
	}
	add(s.Accent.Bold(true).Render(ansi.Truncate(title, width, "…")))
	field("path", safe.Text(e.path))
	if e.dir {
		field("type", "folder")
		v.folderInfo(e, field)
	} else {
		field("type", "file")
		field("size", humanize.Size(e.size))
		if e.mod != 0 {
			field("modified", stamp(time.Unix(0, e.mod)))
		}
	}
	add("")
	v.metaFields(e, width, add, field)
	for _, l := range v.contentLines(width) {
		add(ansi.Truncate(l, width, "…"))
	}
	return lines
}

// folderInfo adds what is known of a folder's loaded children.
func (v *treePage) folderInfo(e *entry, field func(string, string)) {
	l := v.cache.lists[cacheKey{v.repo, e.path}]
	switch {
	case l == nil:
		field("children", "not loaded (open to load)")
	case l.err != nil:
		field("children", fmt.Sprintf("%s loaded; error: %s", humanize.Count(int64(len(l.entries))), safe.Text(l.err.Error())))
	case l.done:
		field("children", plural(len(l.entries), "item", "items"))
	default:
		field("children", plural(len(l.entries), "item", "items")+" loaded so far…")
	}
}

// metaFields adds the metadata entry of e, or says why there is none.
func (v *treePage) metaFields(e *entry, width int, add func(string), field func(string, string)) {
	s := &v.c.Styles
	var es *entryState
	if st := v.cache.meta[v.repo]; st != nil {
		es = st.entries[e.path]
	}
	note := func(style func(...string) string, text string) {
		for _, l := range wrap(text, width) {
			add(style(l))
		}
	}
	switch {
	case es == nil || es.loading:
		note(s.Muted.Render, "loading metadata…")
		return
	case errors.Is(es.err, backend.ErrMetadataMissing):
		note(s.Warning.Render, "metadata missing: "+safe.Text(es.err.Error()))
		return
	case errors.Is(es.err, backend.ErrMetadataCorrupt):
		note(s.Warning.Render, "metadata unreadable: "+safe.Text(es.err.Error()))
		return
	case errors.Is(es.err, backend.ErrNotFound):
		note(s.Muted.Render, "no metadata entry for this path in "+backend.MetadataFileName)
		return
	case es.err != nil:
		note(s.Warning.Render, "metadata unavailable: "+safe.Text(es.err.Error()))
		return
	}
	om := es.meta
	if om.Problem != "" {
		note(s.Warning.Render, "⚠ entry partly unreadable: "+safe.Text(om.Problem))
	}
	add(s.Accent.Render(fit("metadata", width)))
	field("id", orDash(safe.Text(om.ID)))
	// The listing's type and size are above; the entry's are shown only
	// where they say something more: a type that disagrees with the
	// listing, a folder size that is not 0.
	listed := backend.TypeFile
	if e.dir {
		listed = backend.TypeDirectory
	}
	if om.Type != "" && om.Type != listed {
		field("type", safe.Text(string(om.Type)))
	}
	if !e.dir || om.Size != 0 {
		field("size", humanize.Size(om.Size))
	}
	field("mime type", orDash(safe.Text(om.MimeType)))
	field("checksum", orDash(safe.Text(om.Checksum)))
	if om.CRC32C != "" {
		field("crc32c", safe.Text(om.CRC32C))
	}
	field("created", stamp(om.CreatedAt))
	field("updated", stamp(om.UpdatedAt))
	if len(om.Metadata) == 0 {
		field("custom", "—")
		return
	}
	keys := make([]string, 0, len(om.Metadata))
	for k := range om.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	add(s.Accent.Render(fit("custom metadata", width)))
	// Keys get the width of the longest, up to 40 % of the pane; a longer
	// one has a line of its own, the value under it.
	most, kw := max(10, width*2/5), 10
	for _, k := range keys {
		if w := ansi.StringWidth(safe.Text(k)); w <= most {
			kw = max(kw, w)
		}
	}
	for _, k := range keys {
		fieldLines(s, width, kw, safe.Text(k), safe.Text(valueText(om.Metadata[k])), add)
	}
}

// fieldLines adds one field of the preview: its label in a column lw
// cells wide, its value wrapped beside it. A label wider than the column,
// or a pane too narrow for both, puts the label on its own lines and
// the value under it, indented: nothing is cut.
func fieldLines(s *themes.Styles, width, lw int, label, value string, add func(string)) {
	vw := width - lw - 1
	if ansi.StringWidth(label) <= lw && vw >= 8 {
		prefix := s.Label.Render(fit(label, lw)) + " "
		for i, l := range wrap(value, vw) {
			if i > 0 {
				prefix = strings.Repeat(" ", lw+1)
			}
			add(prefix + s.Value.Render(l))
		}
		return
	}
	for _, l := range wrap(label, width) {
		add(s.Label.Render(l))
	}
	indent := min(2, max(0, width-8))
	for _, l := range wrap(value, width-indent) {
		add(strings.Repeat(" ", indent) + s.Value.Render(l))
	}
}

// valueText renders a custom metadata value: strings as they are, the
// rest as JSON.
func valueText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// wrap breaks terminal-safe text into lines of at most w cells.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	if ansi.StringWidth(s) <= w {
		return []string{s}
	}
	return strings.Split(ansi.Wrap(s, w, "/-_."), "\n")
}
