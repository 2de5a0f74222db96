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
)

// metaState is a repository's .source-metadata.json as read once per
// repository and cached in the Model.
type metaState struct {
	loading bool
	req     uint64
	meta    *backend.SourceMetadata
	err     error
}

// metadataMsg is the result of ReadMetadata.
type metadataMsg struct {
	req  uint64
	repo backend.RepoRef
	meta backend.SourceMetadata
	err  error
}

// loadMetadata reads repo's metadata file in a command unless it is
// cached (or force is set, for a refresh).
func (m *Model) loadMetadata(repo backend.RepoRef, force bool) tea.Cmd {
	if st := m.meta[repo]; st != nil && !force {
		return nil
	}
	st := &metaState{loading: true, req: m.c.nextID()}
	m.meta[repo] = st
	req, store, ctx := st.req, m.store, m.c.Ctx
	return tea.Batch(m.spin(), func() tea.Msg {
		md, err := store.ReadMetadata(ctx, repo)
		return metadataMsg{req: req, repo: repo, meta: md, err: err}
	})
}

func (m *Model) onMetadata(msg metadataMsg) {
	st := m.meta[msg.repo]
	if st == nil || st.req != msg.req {
		return // stale: refreshed since
	}
	st.loading = false
	if msg.err != nil {
		st.err = msg.err
		return
	}
	st.meta = &msg.meta
}

// previewLines renders the preview pane for the selected entry: every
// field of its metadata entry, or why there is none.
func (m *Model) previewLines(width, height int) []string {
	s := &m.c.Styles
	v := m.tree
	var lines []string
	add := func(line string) { lines = append(lines, line) }
	field := func(label, value string) {
		lw := 10
		prefix := s.Label.Render(fit(label, lw)) + " "
		vw := width - lw - 1
		if vw < 8 {
			add(s.Label.Render(fit(label, width)))
			for _, l := range wrap(value, width) {
				add(s.Value.Render(l))
			}
			return
		}
		for i, l := range wrap(value, vw) {
			if i > 0 {
				prefix = strings.Repeat(" ", lw+1)
			}
			add(prefix + s.Value.Render(l))
		}
	}
	e, _ := v.selected()
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
		m.folderInfo(e, field)
	} else {
		field("type", "file")
		field("size", humanize.Size(e.size))
		if e.mod != 0 {
			field("modified", stamp(time.Unix(0, e.mod)))
		}
	}
	add("")
	m.metaFields(e, width, add, field)
	if len(lines) > height {
		lines = lines[:height]
	}
	return lines
}

// folderInfo adds what is known of a folder's loaded children.
func (m *Model) folderInfo(e *entry, field func(string, string)) {
	l := m.cache[cacheKey{m.tree.repo, e.path}]
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
func (m *Model) metaFields(e *entry, width int, add func(string), field func(string, string)) {
	s := &m.c.Styles
	st := m.meta[m.tree.repo]
	note := func(style func(...string) string, text string) {
		for _, l := range wrap(text, width) {
			add(style(l))
		}
	}
	switch {
	case st == nil || st.loading:
		note(s.Muted.Render, "loading metadata…")
		return
	case errors.Is(st.err, backend.ErrMetadataMissing):
		note(s.Warning.Render, "metadata missing: "+safe.Text(st.err.Error()))
		return
	case errors.Is(st.err, backend.ErrMetadataCorrupt):
		note(s.Warning.Render, "metadata unreadable: "+safe.Text(st.err.Error()))
		return
	case st.err != nil:
		note(s.Warning.Render, "metadata unavailable: "+safe.Text(st.err.Error()))
		return
	}
	om, ok := st.meta.Objects[e.path]
	if !ok && e.dir {
		om, ok = st.meta.Objects[e.path+"/"]
	}
	if !ok {
		note(s.Muted.Render, "no metadata entry for this path in "+backend.MetadataFileName)
		return
	}
	add(s.Accent.Render(fit("metadata", width)))
	field("id", orDash(safe.Text(om.ID)))
	field("type", orDash(safe.Text(string(om.Type))))
	field("size", humanize.Size(om.Size))
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
	for _, k := range keys {
		field(safe.Text(k), safe.Text(valueText(om.Metadata[k])))
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
