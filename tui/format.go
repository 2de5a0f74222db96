package tui

import (
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/internal/humanize"
)

// plural renders "1 entry" / "2 entries" style counts.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return humanize.Count(int64(n)) + " " + many
}

// day renders a date for list columns; empty for the zero time.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// stamp renders a time for the preview; "—" for the zero time.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// fit truncates s (already terminal-safe) to w cells with an ellipsis and
// pads it with spaces to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		return s + strings.Repeat(" ", w-sw)
	}
	return s
}

// alignRight is fit with the text aligned to the right.
func alignRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return strings.Repeat(" ", w-sw) + s
}

// cutMiddle shortens terminal-safe s to at most w cells by taking out
// its middle, marked "…": the start and the end of a path (account,
// repository, file name) are what tell it apart.
func cutMiddle(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw <= w {
		return s
	}
	if w <= 1 {
		return ansi.Truncate(s, max(w, 0), "")
	}
	head := (w - 1) / 2
	tail := w - 1 - head
	return ansi.Truncate(s, head, "") + "…" + ansi.TruncateLeft(s, sw-tail, "")
}

// cutStart shortens terminal-safe s to at most w cells by taking out its
// start, marked "…": for a location or a destination, the end says most.
func cutStart(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw <= w {
		return s
	}
	if w <= 1 {
		return ansi.TruncateLeft(s, sw-max(w, 0), "")
	}
	return "…" + ansi.TruncateLeft(s, sw-(w-1), "")
}
