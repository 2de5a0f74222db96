package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// A wide list shows when each entry was modified and its type; a narrow
// one keeps the name and the size only.
func TestColumnsWhereWidthAllows(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{StartAt: "acme/data/raw/a.csv"})
	h.settle()
	h.mustNotShow("MODIFIED", "TYPE")
	h.send(tea.WindowSizeMsg{Width: 200, Height: 30}) // the list is 110 cells
	h.mustShow("MODIFIED", "TYPE", "SIZE")
	var row string
	for _, l := range strings.Split(h.view(), "\n") {
		if strings.Contains(l, "b.csv") {
			row = l
		}
	}
	if !strings.Contains(row, "2025-03-04 05:06 csv") || !strings.Contains(row, "10 B") {
		t.Fatalf("row of b.csv: %q", row)
	}
	h.mustShow("folder")                              // raw/ and deep/
	h.send(tea.WindowSizeMsg{Width: 180, Height: 30}) // 99 cells: the time only
	h.mustShow("MODIFIED")
	h.mustNotShow("TYPE")
}
