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
// repository and kept in the session's cache.
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

// loadMetadata reads the repository's metadata file in a command unless
// it is cached (or force is set, for a reload).
func (v *treePage) loadMetadata(force bool) tea.Cmd {
	if st := v.cache.meta[v.repo]; st != nil && !force {
		return nil
	}
	st := &metaState{loading: true, req: v.c.nextID()}
	v.cache.meta[v.repo] = st
	req, src, ctx, repo := st.req, v.c.src, v.c.Ctx, v.repo
	return tea.Batch(v.c.spin(), func() tea.Msg {
		md, err := src.ReadMetadata(ctx, repo)
		return metadataMsg{req: req, repo: repo, meta: md, err: err}
	})
}

// onMetadata keeps a metadata file read for the cache, unless a newer
// read was started since.
func (ch *cache) onMetadata(msg metadataMsg) {
	st := ch.meta[msg.repo]
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
func (v *treePage) previewLines(width, height int) []string {
	s := &v.c.Styles
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
	if len(lines) > height {
		lines = lines[:height]
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
	st := v.cache.meta[v.repo]
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
