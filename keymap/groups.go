package keymap

import "charm.land/bubbles/v2/key"

// Group is a titled set of bindings, as the help lists them.
type Group struct {
	Title    string
	Bindings []key.Binding
}

// groupOf puts each action under a purpose, in the order the help shows
// them. An action missing here is listed under "More", so every key is
// in the help.
func groupOf() []struct {
	title   string
	actions []string
} {
	return []struct {
		title   string
		actions []string
	}{
		{"Move", []string{"up", "down", "page_up", "page_down", "top", "bottom"}},
		{"Open and go back", []string{"open", "collapse", "back", "next_tab", "prev_tab", "details"}},
		{"Find", []string{"filter", "accept_filter", "clear_filter", "search", "goto", "refresh"}},
		{"Sort", []string{"sort", "sort_reverse", "folders_first"}},
		{"Copy", []string{"copy_path", "copy_uri", "copy_link"}},
		{"Preview", []string{"preview", "preview_down", "preview_up", "pager"}},
		{"Transfers", []string{"mark", "mark_all", "invert_marks", "mark_range", "upload", "download", "delete", "transfers"}},
		{"Transfers panel", []string{"cancel_job", "cancel_all", "retry_job", "clear_jobs"}},
		{"Path prompt", []string{"complete", "submit", "cancel", "target_up"}},
		{"Dialogs", []string{"confirm", "overwrite", "skip", "overwrite_all", "skip_all", "cancel_transfer"}},
		{"Editing text", []string{"cursor_left", "cursor_right", "word_left", "word_right", "line_start", "line_end",
			"delete_back", "delete_forward", "delete_word_back", "delete_word_forward", "delete_to_start", "delete_to_end"}},
		{"General", []string{"help", "quit"}},
	}
}

// Groups returns every enabled binding of k grouped by purpose, for the
// help: each action once, those of no group under "More".
func (k KeyMap) Groups() []Group {
	byName := map[string]*key.Binding{}
	var order []string
	for _, a := range actions() {
		byName[a.name] = a.get(&k)
		order = append(order, a.name)
	}
	var groups []Group
	add := func(title string, names []string) {
		g := Group{Title: title}
		for _, n := range names {
			if b := byName[n]; b != nil && b.Enabled() {
				g.Bindings = append(g.Bindings, *b)
			}
			delete(byName, n)
		}
		if len(g.Bindings) > 0 {
			groups = append(groups, g)
		}
	}
	for _, g := range groupOf() {
		add(g.title, g.actions)
	}
	var rest []string
	for _, n := range order {
		if byName[n] != nil {
			rest = append(rest, n)
		}
	}
	add("More", rest)
	return groups
}
