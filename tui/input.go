package tui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/internal/safe"
	"github.com/coopterm/coop/keymap"
	"github.com/coopterm/coop/themes"
)

// newInput returns a one-line text input (the filter, the path prompt,
// the delete confirmation) whose editing keys are the session's, so they
// can be rebound like any other.
func newInput(c *Common, prompt string) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.KeyMap = inputKeys(&c.Keys)
	in.SetStyles(inputStyles(&c.Styles))
	return in
}

// inputKeys maps the keymap's editing actions onto the text input's.
// Pasting from the clipboard is left out (a server would read its own
// clipboard, not the user's); bracketed paste arrives as a tea.PasteMsg.
// Suggestions are not used.
func inputKeys(k *keymap.KeyMap) textinput.KeyMap {
	off := key.NewBinding(key.WithDisabled())
	return textinput.KeyMap{
		CharacterForward:        k.CursorRight,
		CharacterBackward:       k.CursorLeft,
		WordForward:             k.WordRight,
		WordBackward:            k.WordLeft,
		DeleteWordBackward:      k.DeleteWordBack,
		DeleteWordForward:       k.DeleteWordForward,
		DeleteAfterCursor:       k.DeleteToEnd,
		DeleteBeforeCursor:      k.DeleteToStart,
		DeleteCharacterBackward: k.DeleteBack,
		DeleteCharacterForward:  k.DeleteForward,
		LineStart:               k.LineStart,
		LineEnd:                 k.LineEnd,
		Paste:                   off,
		AcceptSuggestion:        off,
		NextSuggestion:          off,
		PrevSuggestion:          off,
	}
}

// inputStyles styles a text input with the session's theme: the prompt
// in the accent colour, the text as a row, a block cursor that does not
// blink (a blinking cursor would redraw the screen twice a second over
// SSH).
func inputStyles(s *themes.Styles) textinput.Styles {
	state := textinput.StyleState{Text: s.Row, Placeholder: s.Muted, Suggestion: s.Muted, Prompt: s.Accent}
	return textinput.Styles{
		Focused: state,
		Blurred: state,
		Cursor:  textinput.CursorStyle{Color: s.Accent.GetForeground(), Shape: tea.CursorBlock},
	}
}

// editKey gives a key to a text input: printable text (made safe) and
// the editing keys. It reports whether the input took the key.
func editKey(in *textinput.Model, msg tea.KeyPressMsg) bool {
	m := &in.KeyMap
	switch {
	case key.Matches(msg, m.CharacterForward, m.CharacterBackward, m.WordForward, m.WordBackward,
		m.DeleteWordBackward, m.DeleteWordForward, m.DeleteAfterCursor, m.DeleteBeforeCursor,
		m.DeleteCharacterBackward, m.DeleteCharacterForward, m.LineStart, m.LineEnd):
	case msg.Text != "" && msg.Mod&^tea.ModShift == 0:
		msg.Text = sanitizeInput(msg.Text)
	default:
		return false
	}
	*in, _ = in.Update(msg)
	return true
}

// pasteInto types pasted text, made safe, into a text input.
func pasteInto(in *textinput.Model, text string) {
	*in, _ = in.Update(tea.PasteMsg{Content: sanitizeInput(text)})
}

// viewInput draws a text input in the session's current styles, at most
// width cells wide, prompt and cursor included; fill pads it to width. A
// text too long for it scrolls to keep the cursor in view.
func viewInput(in textinput.Model, s *themes.Styles, width int, fill bool) string {
	in.SetStyles(inputStyles(s))
	w := max(1, width-ansi.StringWidth(in.Prompt)-1)
	if !fill {
		w = min(w, ansi.StringWidth(in.Value()))
	}
	in.SetWidth(w)
	in.SetCursor(in.Position()) // scroll for the width
	return in.View()
}

// sanitizeInput keeps typed or pasted text to one line of text that
// can be drawn as it is (see safe.Printable).
func sanitizeInput(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if safe.Printable(r) {
			out = append(out, r)
		}
	}
	return string(out)
}
