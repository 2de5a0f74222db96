package audit

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/coopterm/coop/internal/jsonstr"
)

// appendEvent appends ev's line, as json.Marshal writes it, and a
// newline, to buf. A delete of 1,000 objects records 1,000 events, and
// encoding/json's reflection was a twentieth of rm -r's CPU: the fields
// are written here by hand, and a string that is not plain (see jsonstr)
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
	buf = jsonstr.Append(buf, ev.Actor)
	buf = append(buf, `,"remote":`...)
	buf = jsonstr.Append(buf, ev.Remote)
	buf = append(buf, `,"action":`...)
	buf = jsonstr.Append(buf, ev.Action)
	buf = append(buf, `,"target":`...)
	buf = jsonstr.Append(buf, ev.Target)
	buf = append(buf, `,"result":`...)
	buf = jsonstr.Append(buf, ev.Result)
	buf = append(buf, `,"bytes":`...)
	buf = strconv.AppendInt(buf, ev.Bytes, 10)
	if ev.Detail != "" {
		buf = append(buf, `,"detail":`...)
		buf = jsonstr.Append(buf, ev.Detail)
	}
	if ev.Error != "" {
		buf = append(buf, `,"error":`...)
		buf = jsonstr.Append(buf, ev.Error)
	}
	return append(buf, "}\n"...), nil
}
