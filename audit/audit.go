// Package audit appends one JSON line per write and per login to an audit
// log: who (an account, anonymous, or the local user), from where, did
// what to which target, with what result and how many bytes.
//
// Each event is written with a single write call as soon as it happens,
// so a crash loses nothing already reported and several processes can
// append to the same file. Events never carry secrets: keys are recorded
// by fingerprint, never by their text.
package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Results recorded in Event.Result.
const (
	ResultOK       = "ok"
	ResultDenied   = "denied"
	ResultNotFound = "not_found"
	ResultInvalid  = "invalid"
	ResultError    = "error"
)

// Actions recorded in Event.Action.
const (
	ActionLogin          = "login"
	ActionUpload         = "upload"
	ActionDelete         = "delete"
	ActionAccountCreate  = "account.create"
	ActionAccountUpdate  = "account.update"
	ActionRepoCreate     = "repository.create"
	ActionRepoUpdate     = "repository.update"
	ActionKeyAdd         = "key.add"
	ActionKeyRemove      = "key.remove"
	ActionMemberSet      = "member.set"
	ActionMemberRemove   = "member.remove"
	ActionMetadataUpdate = "metadata.update"
	// ActionMkdir, ActionRename and ActionSetstat are SFTP requests that
	// change (or would change) the tree; they are recorded when refused.
	ActionMkdir   = "mkdir"
	ActionRename  = "rename"
	ActionSetstat = "setstat"
)

// Event is one line of the audit log.
type Event struct {
	Time time.Time `json:"time"`
	// Actor is an account id, "anonymous", or "local:USER" for command-line
	// use on the machine itself.
	Actor string `json:"actor"`
	// Remote is the client's address, or "local".
	Remote string `json:"remote"`
	Action string `json:"action"`
	// Target names what was acted on: ACCOUNT, ACCOUNT/REPO or
	// ACCOUNT/REPO/PATH.
	Target string `json:"target"`
	Result string `json:"result"`
	Bytes  int64  `json:"bytes"`
	// Detail adds what the action needs to be understood (a key's
	// fingerprint, a member's role, why a login was refused); never a secret.
	Detail string `json:"detail,omitempty"`
	// Error is the reason a write failed, when Result is not ok.
	Error string `json:"error,omitempty"`
}

// Recorder receives audit events. Implementations must be safe for
// concurrent use.
type Recorder interface {
	Record(ev Event)
}

// BatchRecorder is a Recorder that takes many events at once more cheaply
// than one by one (a delete of a batch of 1,000 objects records 1,000).
type BatchRecorder interface {
	Recorder
	RecordAll(evs []Event)
}

// RecordAll gives rec the events, in order: at once where it is a
// BatchRecorder, else one by one.
func RecordAll(rec Recorder, evs []Event) {
	if b, ok := rec.(BatchRecorder); ok {
		b.RecordAll(evs)
		return
	}
	for _, ev := range evs {
		rec.Record(ev)
	}
}

// Discard is a Recorder that drops every event, for tests and for stores
// whose writes are not audited.
type Discard struct{}

// Record implements Recorder.
func (Discard) Record(Event) {}

// Log appends events to a file, one JSON object per line. It opens the
// file on the first event, so commands that write nothing never create it.
type Log struct {
	path string

	mu   sync.Mutex
	f    *os.File
	warn func(error)
}

// Open returns a Log appending to path (created with mode 0600 and its
// folder with 0700 when missing). warn, if not nil, is told when an event
// cannot be written; the event is then lost but the caller carries on.
func Open(path string, warn func(error)) *Log {
	return &Log{path: path, warn: warn}
}

// Path is the file the log appends to.
func (l *Log) Path() string { return l.path }

// Record appends ev as one line, filling in Time if it is zero.
func (l *Log) Record(ev Event) {
	if err := l.write(ev); err != nil && l.warn != nil {
		l.warn(err)
	}
}

// RecordAll appends the events, a line each, with as few writes as the
// lines fit in (see maxWrite), each write whole lines.
func (l *Log) RecordAll(evs []Event) {
	var buf []byte
	for _, ev := range evs {
		n := len(buf)
		line, err := appendEvent(buf, stamped(ev))
		if err != nil {
			if l.warn != nil {
				l.warn(err)
			}
			continue
		}
		if n > 0 && len(line) > maxWrite {
			l.report(l.append(line[:n]))
			line = append(line[:0], line[n:]...)
		}
		buf = line
	}
	if len(buf) > 0 {
		l.report(l.append(buf))
	}
}

// maxWrite bounds the lines RecordAll gives one write.
const maxWrite = 64 << 10

func (l *Log) report(err error) {
	if err != nil && l.warn != nil {
		l.warn(err)
	}
}

// stamped is ev with Time filled in if zero, in UTC.
func stamped(ev Event) Event {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	ev.Time = ev.Time.UTC()
	return ev
}

// encode is ev's line, Time filled in if zero.
func encode(ev Event) ([]byte, error) {
	return appendEvent(nil, stamped(ev))
}

func (l *Log) write(ev Event) error {
	line, err := encode(ev)
	if err != nil {
		return err
	}
	return l.append(line)
}

// append writes whole lines to the file, opening it first if need be.
func (l *Log) append(line []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
			return fmt.Errorf("audit log %s: %w", l.path, err)
		}
		f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("audit log %s: %w", l.path, err)
		}
		l.f = f
	}
	// One write per event (or per RecordAll's lines): O_APPEND places it
	// whole at the end, even with other processes appending to the file.
	if _, err := l.f.Write(line); err != nil {
		return fmt.Errorf("audit log %s: %w", l.path, err)
	}
	return nil
}

// Close closes the file, if it was opened.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// ReadFile parses an audit log, for tests and tools.
func ReadFile(path string) ([]Event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	var out []Event
	for i, line := range bytes.Split(data, []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var ev Event
		if err := json.Unmarshal(line, &ev); err != nil {
			return out, fmt.Errorf("audit log %s line %d: %w", path, i+1, err)
		}
		out = append(out, ev)
	}
	return out, nil
}
