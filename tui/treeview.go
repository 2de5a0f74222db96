package tui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

// listWidth is the width of the list; the preview takes the rest.
func (v *treePage) listWidth() int {
	if v.c.previewHidden || v.c.Width < 70 {
		return v.c.Width
	}
	return v.c.Width * 55 / 100
}

// View draws the rows on screen and, beside them, the preview of the
// selected entry.
func (v *treePage) View(width, height int) string {
	if v.full {
		lines := v.previewLines(width-2, height)
		for i := range lines {
			lines[i] = " " + lines[i]
		}
		for len(lines) < height {
			lines = append(lines, "")
		}
		return strings.Join(lines, "\n")
	}
	lw := v.listWidth()
	var lines []string
	if v.count() == 0 {
		root := v.t.lists[0].l
		note, loading := v.noRows("empty", root.loading)
		lines = emptyLines(v.c, loading, root.err, note, width, height)
		for i := range lines {
			lines[i] = fit(ansi.Truncate(lines[i], lw, ""), lw) // cut the padding, not the note
		}
	} else {
		lines = listLines(v.nav, v.count(), height, lw, func(i int, sel bool) string { return v.row(i, sel, lw) })
	}
	if lw < width {
		pw := width - lw - 3
		prev := v.previewLines(pw, height)
		sep := v.c.Styles.Separator.Render(" │ ")
		for i := range lines {
			p := ""
			if i < len(prev) {
				p = prev[i]
			}
			lines[i] += sep + p
		}
	}
	return strings.Join(lines, "\n")
}

// row draws one row of the tree, or one match while filtering.
func (v *treePage) row(i int, selected bool, width int) string {
	s := &v.c.Styles
	var (
		e     *entry
		depth int
		open  bool
		label string
	)
	if v.filter.filtered() {
		snap := v.filter.src.(*treeSnap)
		r := snap.rows[v.filter.idx[i]]
		e = &snap.ents[r.list][r.idx]
		label = safe.Text(e.path) // matches show where they are
	} else {
		r := v.t.rows[i]
		e, depth, open = v.t.entry(ref{r.list, r.idx}), int(r.depth), r.open
		label = safe.Text(e.name())
	}
	odd := backend.OddName(e.name()) != ""
	if odd {
		// Quoted, so that an empty name or its spaces show, and marked.
		label = "! " + safe.Text(strconv.Quote(e.name()))
	}
	if v.marks.has(e.path) {
		label = "✓ " + label
	}
	marker := "  "
	info := ""
	if e.dir {
		marker = "▸ "
		if open {
			marker = "▾ "
		}
		label += "/"
		if l := v.cache.lists[cacheKey{v.repo, e.path}]; open && l != nil && l.loading {
			info = v.c.spinner.View() + " " + humanize.Count(int64(len(l.entries)))
		} else if open && l != nil && l.err != nil {
			info = "error"
		}
	} else {
		info = humanize.Bytes(e.size)
	}
	indent := min(depth*2, width/2)
	infoW := 12
	extra := safe.Text(extraCells(e, width))
	nameW := max(1, width-indent-2-infoW-1-ansi.StringWidth(extra))
	pad, name, info := strings.Repeat(" ", indent), fit(label, nameW), alignRight(info, infoW)
	if selected {
		return s.Selected.Render(pad + marker + name + extra + " " + info)
	}
	nameStyle := s.Row
	switch {
	case odd:
		nameStyle = s.Warning
	case e.dir:
		nameStyle = s.Directory
	}
	return pad + s.Muted.Render(marker) + nameStyle.Render(name) + s.Muted.Render(extra) + " " + s.Muted.Render(info)
}

// columns is the column title line over the list.
func (v *treePage) columns(width int) string {
	if v.full {
		return fit(v.c.Styles.ColumnHeader.Render(fit("PREVIEW", width)), width)
	}
	lw := v.listWidth()
	extra := extraTitles(lw)
	titles := fit("NAME", max(1, lw-sizeCells-1-ansi.StringWidth(extra))) + extra + " " + alignRight("SIZE", sizeCells)
	return fit(v.c.Styles.ColumnHeader.Render(fit(titles, lw)), width)
}

// crumb is account / repository / selected path.
func (v *treePage) crumb() string {
	s := safe.Text(v.repo.AccountID) + " / " + safe.Text(v.repo.RepositoryID)
	if e := v.selected(); e != nil {
		s += " / " + safe.Text(e.path)
	}
	return s
}

func (v *treePage) heading(width int) string { return crumbHeading(&v.c.Styles, v.crumb(), width) }

// status says how much has loaded and what is marked.
func (v *treePage) status(width int) string {
	if v.showsFilter() {
		return v.filterStatus(width)
	}
	s := &v.c.Styles
	root := v.t.lists[0].l
	text := s.Status.Render(v.position() + " · " + loadedText(len(root.entries), root.done, "entry", "entries") + " at top level")
	if mk := v.markText(); mk != "" {
		text += s.Muted.Render(" · ") + s.Accent.Render(mk)
	}
	return text
}

// busy reports whether a listing, the metadata or the filter is loading.
func (v *treePage) busy() bool {
	if v.filter.running || v.metaLoading() || v.sect.loading() || v.sorting() || v.marking != 0 {
		return true
	}
	for _, tl := range v.t.lists {
		if tl.l.loading {
			return true
		}
	}
	return false
}

func (v *treePage) typing() bool { return v.filter.editing }
