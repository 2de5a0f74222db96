package tui

import (
	"strings"
	"time"
)

// Columns beside the name and the size, shown where the list is wide
// enough: the modification time from modWidth cells, the type from
// typeWidth.
const (
	modWidth   = 80
	typeWidth  = 100
	modCells   = 17 // " 2006-01-02 15:04"
	typeCells  = 9  // " parquet "
	sizeCells  = 12
	typeLetter = 7
)

// extraCells draws the columns that fit a list width cells wide for e.
func extraCells(e *entry, width int) string {
	var b strings.Builder
	if width >= modWidth {
		when := "—"
		if e.mod != 0 {
			when = time.Unix(0, e.mod).UTC().Format("2006-01-02 15:04")
		}
		b.WriteString(alignRight(when, modCells))
	}
	if width >= typeWidth {
		b.WriteString(" " + fit(kindOf(e), typeCells-1))
	}
	return b.String()
}

// extraTitles is the titles of the columns extraCells draws.
func extraTitles(width int) string {
	var b strings.Builder
	if width >= modWidth {
		b.WriteString(alignRight("MODIFIED", modCells))
	}
	if width >= typeWidth {
		b.WriteString(" " + fit("TYPE", typeCells-1))
	}
	return b.String()
}

// kindOf is an entry's type as a list shows it: "folder", or the
// file's extension ("csv", "parquet"), or "file".
func kindOf(e *entry) string {
	if e.dir {
		return "folder"
	}
	name := e.name()
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 || len(name)-i-1 > typeLetter {
		return "file"
	}
	return strings.ToLower(name[i+1:])
}
