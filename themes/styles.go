package themes

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles are the lipgloss styles every view draws with, derived from one
// Theme. A session holds its own Styles, so sessions never share them.
type Styles struct {
	// NoColor is set when the styles carry no colour at all (NO_COLOR);
	// views use it to fall back to plain markers.
	NoColor bool

	Header       lipgloss.Style // the header bar as a whole
	Title        lipgloss.Style // the program name in the header
	Crumb        lipgloss.Style // a breadcrumb (account, repository, path)
	CrumbSep     lipgloss.Style // the separator between breadcrumbs
	Location     lipgloss.Style // the store location at the header's right
	TabActive    lipgloss.Style // the selected account tab, in the header
	TabInactive  lipgloss.Style // the other account tabs
	ColumnHeader lipgloss.Style // column titles above a list
	Row          lipgloss.Style // an ordinary list row
	Selected     lipgloss.Style // the row under the cursor
	Directory    lipgloss.Style // a folder name in an unselected row
	Muted        lipgloss.Style // secondary text: ids, sizes, dates, hints
	Accent       lipgloss.Style // emphasis: spinner, filter prompt, counts
	Status       lipgloss.Style // the status line above the help
	Separator    lipgloss.Style // the line between the list and the preview
	Label        lipgloss.Style // a field name in the preview
	Value        lipgloss.Style // a field value in the preview
	Warning      lipgloss.Style // missing or unreadable metadata
	Success      lipgloss.Style // completed operations
	Error        lipgloss.Style // inline error text (a failed folder)
	ErrorBox     lipgloss.Style // the dismissable error dialog
	ErrorTitle   lipgloss.Style // the title inside the error dialog
	HelpBox      lipgloss.Style // the full-help overlay
	Help         help.Styles    // styles for the bubbles help component
}

// NewStyles derives the styles for theme t. With noColor set no colour is
// emitted at all and the selection is shown in reverse video instead, as
// the NO_COLOR convention asks.
func NewStyles(t Theme, noColor bool) Styles {
	plain := lipgloss.NewStyle()
	fg := func(c color.Color) lipgloss.Style {
		if noColor {
			return plain
		}
		return plain.Foreground(c)
	}
	var s Styles
	s.NoColor = noColor
	s.Header = fg(t.HeaderFG)
	if !noColor {
		s.Header = s.Header.Background(t.HeaderBG)
	}
	s.Title = s.Header.Bold(true)
	if !noColor {
		s.Title = s.Title.Foreground(t.Accent)
	}
	s.Crumb = s.Header
	s.CrumbSep = s.Header
	if !noColor {
		s.CrumbSep = s.CrumbSep.Foreground(t.Muted)
	}
	s.Location = s.CrumbSep
	s.TabActive = s.Header.Bold(true)
	s.TabInactive = s.Header
	if noColor {
		s.TabActive = s.TabActive.Reverse(true)
	} else {
		s.TabActive = s.TabActive.Foreground(t.Accent)
		s.TabInactive = s.TabInactive.Foreground(t.Muted)
	}
	s.ColumnHeader = fg(t.Muted).Bold(true)
	s.Row = fg(t.Text)
	if noColor {
		s.Selected = plain.Reverse(true)
	} else {
		s.Selected = plain.Foreground(t.SelectionFG).Background(t.SelectionBG)
	}
	s.Directory = fg(t.Directory).Bold(true)
	s.Muted = fg(t.Muted)
	s.Accent = fg(t.Accent)
	s.Status = fg(t.Muted)
	s.Separator = fg(t.Border)
	s.Label = fg(t.Muted)
	s.Value = fg(t.Text)
	s.Warning = fg(t.Warning)
	s.Success = fg(t.Success)
	s.Error = fg(t.Error)
	border := lipgloss.RoundedBorder()
	s.ErrorBox = plain.Border(border).Padding(0, 1)
	s.HelpBox = plain.Border(border).Padding(0, 1)
	if !noColor {
		s.ErrorBox = s.ErrorBox.BorderForeground(t.Error)
		s.HelpBox = s.HelpBox.BorderForeground(t.Border)
	}
	s.ErrorTitle = fg(t.Error).Bold(true)

	key, desc, sep := fg(t.Accent), fg(t.Muted), fg(t.Border)
	s.Help = help.Styles{
		Ellipsis:       desc, // "…" says keys are left out: text, not a line
		ShortKey:       key,
		ShortDesc:      desc,
		ShortSeparator: sep,
		FullKey:        key,
		FullDesc:       desc,
		FullSeparator:  sep,
	}
	return s
}
