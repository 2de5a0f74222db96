// Package keymap defines every key binding of the browser once, with its
// help text, and rebinds them from the [keys] table of the config file.
//
// A KeyMap is a plain value: each session owns a copy, so rebinding for one
// SSH client never affects another.
package keymap

import (
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
)

// KeyMap holds one key.Binding per action of the browser. It implements
// help.KeyMap so the bubbles help component can render it.
type KeyMap struct {
	Up       key.Binding // move the cursor up one row
	Down     key.Binding // move the cursor down one row
	Open     key.Binding // open an account or repository; expand or collapse a folder
	Collapse key.Binding // collapse a folder, go to its parent, or back at the top
	Back     key.Binding // back one level (tree → repositories → accounts)
	Top      key.Binding // jump to the first row
	Bottom   key.Binding // jump to the last row
	PageUp   key.Binding // one screen up
	PageDown key.Binding // one screen down
	NextTab  key.Binding // next account tab (all / users / organizations)
	PrevTab  key.Binding // previous account tab
	Filter   key.Binding // start filtering the current list
	Accept   key.Binding // while filtering: keep the filter and browse the matches
	Clear    key.Binding // while filtering: drop the filter
	Refresh  key.Binding // reload the current list, dropping cached listings
	Preview  key.Binding // show or hide the preview pane

	PreviewDown key.Binding // scroll the preview pane down
	PreviewUp   key.Binding // scroll the preview pane up
	Pager       key.Binding // open the selected file in $PAGER (on the user's own machine)
	Details     key.Binding // every attribute of the selected account or repository
	Help        key.Binding // show or hide the full help
	Quit        key.Binding // leave the program

	Mark      key.Binding // mark or unmark the selected entry for a delete or download
	Upload    key.Binding // upload local files or folders into the current folder
	Download  key.Binding // download the marked or selected entries to a local folder
	Delete    key.Binding // delete the marked or selected entries, after confirmation
	Transfers key.Binding // open or close the transfers panel
	CancelJob key.Binding // transfers panel: cancel the selected job
	CancelAll key.Binding // transfers panel: cancel every job not finished
	RetryJob  key.Binding // transfers panel: retry the selected failed or cancelled job
	ClearJobs key.Binding // transfers panel: forget finished jobs

	Complete key.Binding // path prompt: complete the local path
	TargetUp key.Binding // upload prompt: upload into the folder above the target
	Submit   key.Binding // path prompt: accept the path
	Cancel   key.Binding // path prompt or dialog: cancel

	CursorLeft        key.Binding // text field: move the cursor one character left
	CursorRight       key.Binding // text field: move the cursor one character right
	WordLeft          key.Binding // text field: move the cursor one word left
	WordRight         key.Binding // text field: move the cursor one word right
	LineStart         key.Binding // text field: move the cursor to the start
	LineEnd           key.Binding // text field: move the cursor to the end
	DeleteBack        key.Binding // text field: delete the character before the cursor
	DeleteForward     key.Binding // text field: delete the character under the cursor
	DeleteWordBack    key.Binding // text field: delete the word (in a path: the folder) before the cursor
	DeleteWordForward key.Binding // text field: delete the word after the cursor
	DeleteToStart     key.Binding // text field: delete everything before the cursor
	DeleteToEnd       key.Binding // text field: delete everything after the cursor

	Confirm            key.Binding // dialog: confirm a delete or quitting
	DecideOverwrite    key.Binding // overwrite dialog: replace this file
	DecideSkip         key.Binding // overwrite dialog: keep the existing file
	DecideOverwriteAll key.Binding // overwrite dialog: replace this and every other clash
	DecideSkipAll      key.Binding // overwrite dialog: keep every existing file
	DecideCancel       key.Binding // overwrite dialog: cancel the job

	Search key.Binding // search the names of the whole repository
	GoTo   key.Binding // go to ACCOUNT/REPO/PATH, typed with completion

	Sort         key.Binding // sort folders by the next key: name, size, modified
	SortReverse  key.Binding // reverse the order of folders
	FoldersFirst key.Binding // show folders first, or among the files

	MarkAll     key.Binding // mark every row shown (the filter's matches while filtering)
	InvertMarks key.Binding // mark the rows shown that are not marked, unmark the others
	MarkRange   key.Binding // mark the rows from the last one marked to the selected one

	CopyPath key.Binding // copy ACCOUNT/REPO/PATH of the marked or selected entries
	CopyURI  key.Binding // copy their s3:// URI (file:// on a local store)
	CopyLink key.Binding // copy a presigned HTTPS URL of the marked or selected files (S3 only)
}

// action ties a config-file name to a binding of a KeyMap and its help
// description: the single place where actions are declared.
type action struct {
	name string
	desc string
	keys []string
	get  func(*KeyMap) *key.Binding
	// mode is when the action applies: "" while browsing, or one of the
	// modes below, whose actions may share keys with the others.
	mode string
}

// Modes of actions that apply only while something has the focus.
const (
	modeFilter = "filter" // the filter input
	modeInput  = "input"  // a path prompt
	modeDialog = "dialog" // a confirmation or overwrite dialog
	modeEdit   = "edit"   // editing the text of the filter, a prompt or a confirmation
)

// actions declares every action, its default keys and its help text.
func actions() []action {
	return []action{
		{name: "up", desc: "up", keys: []string{"up", "k"}, get: func(k *KeyMap) *key.Binding { return &k.Up }},
		{name: "down", desc: "down", keys: []string{"down", "j"}, get: func(k *KeyMap) *key.Binding { return &k.Down }},
		{name: "open", desc: "open/expand", keys: []string{"enter", "right", "l"}, get: func(k *KeyMap) *key.Binding { return &k.Open }},
		{name: "collapse", desc: "collapse/parent", keys: []string{"left", "h", "backspace"}, get: func(k *KeyMap) *key.Binding { return &k.Collapse }},
		{name: "back", desc: "back", keys: []string{"esc"}, get: func(k *KeyMap) *key.Binding { return &k.Back }},
		{name: "top", desc: "top", keys: []string{"g", "home"}, get: func(k *KeyMap) *key.Binding { return &k.Top }},
		{name: "bottom", desc: "bottom", keys: []string{"G", "end"}, get: func(k *KeyMap) *key.Binding { return &k.Bottom }},
		{name: "page_up", desc: "page up", keys: []string{"pgup", "ctrl+b"}, get: func(k *KeyMap) *key.Binding { return &k.PageUp }},
		{name: "page_down", desc: "page down", keys: []string{"pgdown", "ctrl+f"}, get: func(k *KeyMap) *key.Binding { return &k.PageDown }},
		{name: "next_tab", desc: "next tab", keys: []string{"tab"}, get: func(k *KeyMap) *key.Binding { return &k.NextTab }},
		{name: "prev_tab", desc: "previous tab", keys: []string{"shift+tab"}, get: func(k *KeyMap) *key.Binding { return &k.PrevTab }},
		{name: "filter", desc: "filter", keys: []string{"/"}, get: func(k *KeyMap) *key.Binding { return &k.Filter }},
		{name: "accept_filter", desc: "keep filter", keys: []string{"enter"}, get: func(k *KeyMap) *key.Binding { return &k.Accept }, mode: modeFilter},
		{name: "clear_filter", desc: "clear filter", keys: []string{"esc"}, get: func(k *KeyMap) *key.Binding { return &k.Clear }, mode: modeFilter},
		{name: "refresh", desc: "refresh", keys: []string{"r"}, get: func(k *KeyMap) *key.Binding { return &k.Refresh }},
		{name: "preview", desc: "preview", keys: []string{"p"}, get: func(k *KeyMap) *key.Binding { return &k.Preview }},
		{name: "preview_down", desc: "scroll preview", keys: []string{"J", "shift+down"}, get: func(k *KeyMap) *key.Binding { return &k.PreviewDown }},
		{name: "preview_up", desc: "scroll preview up", keys: []string{"K", "shift+up"}, get: func(k *KeyMap) *key.Binding { return &k.PreviewUp }},
		{name: "pager", desc: "open in pager", keys: []string{"o"}, get: func(k *KeyMap) *key.Binding { return &k.Pager }},
		{name: "details", desc: "details", keys: []string{"i"}, get: func(k *KeyMap) *key.Binding { return &k.Details }},
		{name: "help", desc: "help", keys: []string{"?"}, get: func(k *KeyMap) *key.Binding { return &k.Help }},
		{name: "quit", desc: "quit", keys: []string{"q", "ctrl+c"}, get: func(k *KeyMap) *key.Binding { return &k.Quit }},
		{name: "mark", desc: "mark", keys: []string{"space"}, get: func(k *KeyMap) *key.Binding { return &k.Mark }},
		{name: "upload", desc: "upload here", keys: []string{"u"}, get: func(k *KeyMap) *key.Binding { return &k.Upload }},
		{name: "download", desc: "download", keys: []string{"D"}, get: func(k *KeyMap) *key.Binding { return &k.Download }},
		{name: "delete", desc: "delete", keys: []string{"d"}, get: func(k *KeyMap) *key.Binding { return &k.Delete }},
		{name: "transfers", desc: "transfers", keys: []string{"t"}, get: func(k *KeyMap) *key.Binding { return &k.Transfers }},
		{name: "cancel_job", desc: "cancel job", keys: []string{"x"}, get: func(k *KeyMap) *key.Binding { return &k.CancelJob }},
		{name: "cancel_all", desc: "cancel all", keys: []string{"X"}, get: func(k *KeyMap) *key.Binding { return &k.CancelAll }},
		{name: "retry_job", desc: "retry job", keys: []string{"R"}, get: func(k *KeyMap) *key.Binding { return &k.RetryJob }},
		{name: "clear_jobs", desc: "clear finished", keys: []string{"C"}, get: func(k *KeyMap) *key.Binding { return &k.ClearJobs }},
		{name: "complete", desc: "complete path", keys: []string{"tab"}, get: func(k *KeyMap) *key.Binding { return &k.Complete }, mode: modeInput},
		{name: "submit", desc: "ok", keys: []string{"enter"}, get: func(k *KeyMap) *key.Binding { return &k.Submit }, mode: modeInput},
		{name: "cancel", desc: "cancel", keys: []string{"esc"}, get: func(k *KeyMap) *key.Binding { return &k.Cancel }, mode: modeInput},
		{name: "target_up", desc: "upload one folder up", keys: []string{"ctrl+t"}, get: func(k *KeyMap) *key.Binding { return &k.TargetUp }, mode: modeInput},
		{name: "cursor_left", desc: "cursor left", keys: []string{"left"}, get: func(k *KeyMap) *key.Binding { return &k.CursorLeft }, mode: modeEdit},
		{name: "cursor_right", desc: "cursor right", keys: []string{"right"}, get: func(k *KeyMap) *key.Binding { return &k.CursorRight }, mode: modeEdit},
		{name: "word_left", desc: "word left", keys: []string{"alt+left", "ctrl+left", "alt+b"}, get: func(k *KeyMap) *key.Binding { return &k.WordLeft }, mode: modeEdit},
		{name: "word_right", desc: "word right", keys: []string{"alt+right", "ctrl+right", "alt+f"}, get: func(k *KeyMap) *key.Binding { return &k.WordRight }, mode: modeEdit},
		{name: "line_start", desc: "line start", keys: []string{"home", "ctrl+a"}, get: func(k *KeyMap) *key.Binding { return &k.LineStart }, mode: modeEdit},
		{name: "line_end", desc: "line end", keys: []string{"end", "ctrl+e"}, get: func(k *KeyMap) *key.Binding { return &k.LineEnd }, mode: modeEdit},
		{name: "delete_back", desc: "delete back", keys: []string{"backspace", "ctrl+h"}, get: func(k *KeyMap) *key.Binding { return &k.DeleteBack }, mode: modeEdit},
		{name: "delete_forward", desc: "delete", keys: []string{"delete", "ctrl+d"}, get: func(k *KeyMap) *key.Binding { return &k.DeleteForward }, mode: modeEdit},
		{name: "delete_word_back", desc: "delete word", keys: []string{"ctrl+w", "alt+backspace"}, get: func(k *KeyMap) *key.Binding { return &k.DeleteWordBack }, mode: modeEdit},
		{name: "delete_word_forward", desc: "delete next word", keys: []string{"alt+d", "alt+delete"}, get: func(k *KeyMap) *key.Binding { return &k.DeleteWordForward }, mode: modeEdit},
		{name: "delete_to_start", desc: "delete to start", keys: []string{"ctrl+u"}, get: func(k *KeyMap) *key.Binding { return &k.DeleteToStart }, mode: modeEdit},
		{name: "delete_to_end", desc: "delete to end", keys: []string{"ctrl+k"}, get: func(k *KeyMap) *key.Binding { return &k.DeleteToEnd }, mode: modeEdit},
		{name: "confirm", desc: "yes", keys: []string{"y"}, get: func(k *KeyMap) *key.Binding { return &k.Confirm }, mode: modeDialog},
		{name: "overwrite", desc: "overwrite", keys: []string{"o"}, get: func(k *KeyMap) *key.Binding { return &k.DecideOverwrite }, mode: modeDialog},
		{name: "skip", desc: "skip", keys: []string{"s"}, get: func(k *KeyMap) *key.Binding { return &k.DecideSkip }, mode: modeDialog},
		{name: "overwrite_all", desc: "overwrite all", keys: []string{"a"}, get: func(k *KeyMap) *key.Binding { return &k.DecideOverwriteAll }, mode: modeDialog},
		{name: "skip_all", desc: "skip all", keys: []string{"S"}, get: func(k *KeyMap) *key.Binding { return &k.DecideSkipAll }, mode: modeDialog},
		{name: "cancel_transfer", desc: "cancel job", keys: []string{"c"}, get: func(k *KeyMap) *key.Binding { return &k.DecideCancel }, mode: modeDialog},
		{name: "search", desc: "search repository", keys: []string{"S"}, get: func(k *KeyMap) *key.Binding { return &k.Search }},
		{name: "goto", desc: "go to path", keys: []string{":"}, get: func(k *KeyMap) *key.Binding { return &k.GoTo }},
		{name: "sort", desc: "sort by name/size/modified", keys: []string{"s"}, get: func(k *KeyMap) *key.Binding { return &k.Sort }},
		{name: "sort_reverse", desc: "reverse order", keys: []string{"z"}, get: func(k *KeyMap) *key.Binding { return &k.SortReverse }},
		{name: "folders_first", desc: "folders first or mixed", keys: []string{"F"}, get: func(k *KeyMap) *key.Binding { return &k.FoldersFirst }},
		{name: "mark_all", desc: "mark all shown", keys: []string{"A"}, get: func(k *KeyMap) *key.Binding { return &k.MarkAll }},
		{name: "invert_marks", desc: "invert marks", keys: []string{"I"}, get: func(k *KeyMap) *key.Binding { return &k.InvertMarks }},
		{name: "mark_range", desc: "mark range", keys: []string{"V"}, get: func(k *KeyMap) *key.Binding { return &k.MarkRange }},
		{name: "copy_path", desc: "copy path", keys: []string{"y"}, get: func(k *KeyMap) *key.Binding { return &k.CopyPath }},
		{name: "copy_uri", desc: "copy URI", keys: []string{"Y"}, get: func(k *KeyMap) *key.Binding { return &k.CopyURI }},
		{name: "copy_link", desc: "copy link (S3)", keys: []string{"U"}, get: func(k *KeyMap) *key.Binding { return &k.CopyLink }},
	}
}

// Default returns the default bindings: arrows and vi keys to move, enter
// to open, esc to go back, / to filter, r to refresh, q or ctrl+c to quit.
func Default() KeyMap {
	var k KeyMap
	for _, a := range actions() {
		*a.get(&k) = key.NewBinding(key.WithKeys(a.keys...), key.WithHelp(helpKeys(a.keys), a.desc))
	}
	return k
}

// Actions lists the action names accepted in the [keys] table of the
// config file, in the order the help shows them.
func Actions() []string {
	as := actions()
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.name
	}
	return names
}

// ShortHelp returns the bindings shown in the footer.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Open, k.Back, k.Filter, k.Help, k.Quit}
}

// FullHelp returns every binding, in columns, for the ? overlay.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Open, k.Collapse, k.Back, k.NextTab, k.PrevTab},
		{k.Filter, k.Accept, k.Clear, k.Search, k.Refresh, k.Details, k.Help, k.Quit},
		{k.Preview, k.PreviewDown, k.PreviewUp, k.Pager},
		{k.Mark, k.Upload, k.Download, k.Delete, k.Transfers, k.CancelJob, k.CancelAll, k.RetryJob, k.ClearJobs},
	}
}

// TreeHelp returns the bindings shown in the footer of a repository
// when uploads, downloads and deletes are switched on; it fits 120
// columns, so download and back are left to the full help.
func (k KeyMap) TreeHelp() []key.Binding {
	return []key.Binding{k.Open, k.Filter, k.Mark, k.Upload, k.Delete, k.Transfers, k.Help, k.Quit}
}

// PanelHelp returns the bindings shown in the footer of the transfers panel.
func (k KeyMap) PanelHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.CancelJob, k.CancelAll, k.RetryJob, k.ClearJobs, k.Transfers, k.Quit}
}

// PromptHelp returns the bindings that apply while typing a path; keys
// that would be typed into it are left out.
func (k KeyMap) PromptHelp() []key.Binding {
	return []key.Binding{untyped(k.Complete), untyped(k.Submit), untyped(k.Cancel)}
}

// DecisionHelp returns the answers to the overwrite dialog.
func (k KeyMap) DecisionHelp() []key.Binding {
	return []key.Binding{k.DecideOverwrite, k.DecideSkip, k.DecideOverwriteAll, k.DecideSkipAll, k.DecideCancel}
}

// FilterHelp returns the bindings that apply while typing a filter;
// keys that would be typed into the filter are left out of the help.
func (k KeyMap) FilterHelp() []key.Binding {
	return []key.Binding{k.Accept, k.Clear, untyped(k.Up), untyped(k.Down)}
}

// untyped keeps the keys of b that cannot be typed as text ("down",
// "ctrl+n"), since printable keys go into the filter query.
func untyped(b key.Binding) key.Binding {
	var keys []string
	for _, s := range b.Keys() {
		if utf8.RuneCountInString(s) > 1 {
			keys = append(keys, s)
		}
	}
	if len(keys) == 0 {
		return key.NewBinding(key.WithDisabled())
	}
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKeys(keys), b.Help().Desc))
}

// helpKeys renders the first two keys of a binding for the help, with
// arrows as symbols: "↑/k".
func helpKeys(keys []string) string {
	shown := make([]string, 0, 2)
	for _, k := range keys {
		if len(shown) == 2 {
			break
		}
		switch k {
		case "up":
			k = "↑"
		case "down":
			k = "↓"
		case "left":
			k = "←"
		case "right":
			k = "→"
		}
		shown = append(shown, k)
	}
	return strings.Join(shown, "/")
}
