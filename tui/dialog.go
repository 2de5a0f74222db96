package tui

import tea "charm.land/bubbletea/v2"

// The dialogs of transfers, in the order they take keys: the quit
// question, a path prompt, a delete confirmation, then the overwrite
// question of the oldest job waiting for one. The overwrite question
// waits while another dialog is open, so that keys meant for that one
// never answer it.

// dialogOpen reports whether a dialog has the keyboard.
func (m *Model) dialogOpen() bool {
	if m.quitting || m.prompt != nil || m.del != nil {
		return true
	}
	if m.xfer != nil {
		_, ok := m.xfer.question()
		return ok
	}
	return false
}

// onDialogKey gives a key to the open dialog, if any.
func (m *Model) onDialogKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	switch {
	case m.quitting:
		return m.onQuitKey(msg), true
	case m.prompt != nil:
		return m.onPromptKey(msg), true
	case m.del != nil:
		return m.onDeleteKey(msg), true
	}
	if m.xfer != nil {
		if j, ok := m.xfer.question(); ok {
			return m.onDecisionKey(msg, j), true
		}
	}
	return nil, false
}

// pasteInDialog types pasted text into the dialog that takes text.
func (m *Model) pasteInDialog(text string) bool {
	switch {
	case m.quitting:
		return true
	case m.prompt != nil:
		m.prompt.input += sanitizeInput(text)
		m.prompt.changed()
		return true
	case m.del != nil:
		if m.del.second {
			m.del.typed += sanitizeInput(text)
			m.del.mismatch = false
		}
		return true
	}
	return false
}

// dialogBox draws the open dialog, or "" if none is open.
func (m *Model) dialogBox() string {
	switch {
	case m.quitting:
		return m.quitBox()
	case m.prompt != nil:
		return m.promptBox()
	case m.del != nil:
		return m.deleteBox()
	}
	if m.xfer != nil {
		if j, ok := m.xfer.question(); ok {
			return m.decisionBox(j)
		}
	}
	return ""
}
