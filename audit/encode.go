package audit

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// appendEvent appends ev's line, as json.Marshal writes it, and a
// newline, to buf. A delete of 1,000 objects records 1,000 events, and
// encoding/json's reflection was a twentieth of rm -r's CPU: the fields
// are written here by hand, and a string that is not plain (see plain)
// goes through encoding/json, so the bytes are encoding/json's always.
// Time must be UTC.
func appendEvent(buf []byte, ev Event) ([]byte, error) {
	if y := ev.Time.Year(); y < 0 || y > 9999 {
		line, err := json.Marshal(ev) // encoding/json's own refusal
		if err != nil {
			return buf, fmt.Errorf("audit: encode event: %w", err)
		}
		return append(append(buf, line...), '\n'), nil
	}
	buf = append(buf, `{"time":"`...)
	buf = ev.Time.AppendFormat(buf, time.RFC3339Nano)
	buf = append(buf, `","actor":`...)
	buf = appendString(buf, ev.Actor)
	buf = append(buf, `,"remote":`...)
	buf = appendString(buf, ev.Remote)
	buf = append(buf, `,"action":`...)
	buf = appendString(buf, ev.Action)
	buf = append(buf, `,"target":`...)
	buf = appendString(buf, ev.Target)
	buf = append(buf, `,"result":`...)
	buf = appendString(buf, ev.Result)
	buf = append(buf, `,"bytes":`...)
	buf = strconv.AppendInt(buf, ev.Bytes, 10)
	if ev.Detail != "" {
		buf = append(buf, `,"detail":`...)
		buf = appendString(buf, ev.Detail)
	}
	if ev.Error != "" {
		buf = append(buf, `,"error":`...)
		buf = appendString(buf, ev.Error)
	}
	return append(buf, "}\n"...), nil
}

// appendString appends s as a JSON string the way encoding/json does:
// as it is when plain, else by encoding/json itself.
func appendString(buf []byte, s string) []byte {
	if plain(s) {
		buf = append(buf, '"')
		buf = append(buf, s...)
		return append(buf, '"')
	}
	q, _ := json.Marshal(s) // a string always encodes
	return append(buf, q...)
}

// plain reports whether encoding/json writes s unchanged between quotes:
// printable ASCII without a quote, a backslash or the characters it
// escapes for HTML (<, >, &).
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
