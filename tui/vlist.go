package tui

import "strings"

// nav is the cursor and scroll position of a virtual list: the entries
// live elsewhere, in whatever slice the view keeps, and only the rows
// between offset and offset+height are ever drawn.
type nav struct {
	cursor int // index of the selected item
	offset int // index of the first item on screen
}

// clamp keeps the cursor within n items and on screen in a window of
// height rows.
func (v *nav) clamp(n, height int) {
	if n <= 0 {
		v.cursor, v.offset = 0, 0
		return
	}
	v.cursor = min(max(v.cursor, 0), n-1)
	if v.cursor < v.offset {
		v.offset = v.cursor
	}
	if v.cursor >= v.offset+height {
		v.offset = v.cursor - height + 1
	}
	v.offset = min(max(v.offset, 0), max(0, n-height))
}

// move moves the cursor by d items.
func (v *nav) move(d, n, height int) {
	v.cursor += d
	v.clamp(n, height)
}

// set puts the cursor on item i.
func (v *nav) set(i, n, height int) {
	v.cursor = i
	v.clamp(n, height)
}

// center puts the cursor on item i and scrolls so that it sits in the
// middle of the screen, for jumps to a far-away item.
func (v *nav) center(i, n, height int) {
	v.cursor = i
	v.offset = i - height/2
	v.clamp(n, height)
}

// scroll moves the window by d rows, as the mouse wheel does, dragging
// the cursor along only when it would leave the screen.
func (v *nav) scroll(d, n, height int) {
	v.offset = min(max(v.offset+d, 0), max(0, n-height))
	if v.cursor < v.offset {
		v.cursor = v.offset
	}
	if v.cursor >= v.offset+height {
		v.cursor = v.offset + height - 1
	}
	v.clamp(n, height)
}

// shift keeps the selection on the same item when count items are
// inserted (count > 0) or removed (count < 0) at index at of a list that
// had n items before the change.
func (v *nav) shift(at, count, n int) {
	switch {
	case v.cursor >= n || v.cursor < at:
		return
	case count > 0:
		v.cursor += count
		v.offset += count
	case v.cursor >= at-count: // after the removed range
		v.cursor += count
		v.offset = max(0, v.offset+count)
	default: // inside the removed range: land just before it
		v.cursor = max(0, at-1)
	}
}

// listLines draws rows offset…offset+height of a list of n items, one
// line each, padded with blank lines so the body keeps its height. row
// must return a line exactly width cells wide. Only visible rows are
// drawn, so the cost does not depend on n.
func listLines(v nav, n, height, width int, row func(i int, selected bool) string) []string {
	lines := make([]string, height)
	blank := ""
	for line := range lines {
		i := v.offset + line
		if i >= n {
			if blank == "" {
				blank = strings.Repeat(" ", width)
			}
			lines[line] = blank
			continue
		}
		lines[line] = row(i, i == v.cursor)
	}
	return lines
}
