package backend

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Times in the tables and metadata documents come from many writers:
// coop writes RFC 3339 UTC, Python's isoformat() writes no zone, people
// write a date alone, and some tools store epoch numbers. ParseTime and
// ParseTimeJSON read all of these; FormatTime is the one form coop writes.

// timeLayouts are tried in order after ParseTime has normalised the
// separator to "T" and a lower-case zone letter to "Z". Go accepts a
// fractional second (with "." or ",") after the seconds of any layout.
var timeLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05Z07",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04",
	"2006-01-02",
	"20060102T150405Z0700",
	"20060102T150405Z07:00",
	"20060102T150405",
	"20060102",
}

// epochMillisAbove is the magnitude above which an epoch number is read as
// milliseconds: 1e11 seconds is the year 5138, 1e11 milliseconds 1973.
const epochMillisAbove = 1e11

// ParseTime reads an ISO 8601 time in any form other tools write: with or
// without a zone (none means UTC), any fraction of a second, a space or
// "T" between date and time, a date alone, the basic form without
// separators, or a number of seconds (or, when larger than 1e11,
// milliseconds) since 1970. The result is in UTC.
func ParseTime(s string) (time.Time, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return time.Time{}, fmt.Errorf("%w time: empty", ErrInvalid)
	}
	if t, ok := exactEpoch(in); ok && isEpochNumber(in) {
		return t, nil
	}
	if f, err := strconv.ParseFloat(in, 64); err == nil && isEpochNumber(in) {
		return epochTime(f)
	}
	norm := normaliseTime(in)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, norm); err == nil {
			// A zone offset can move a time at the edge of the years
			// RFC 3339 spells (0000–9999) past it: it could not be
			// written back.
			if y := t.UTC().Year(); y < 0 || y > 9999 {
				return time.Time{}, fmt.Errorf("%w time %q: out of range", ErrInvalid, s)
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%w time %q: not an ISO 8601 date or time", ErrInvalid, s)
}

// isEpochNumber tells a number ("1705312800", "1705312800.5") from a
// basic-form date ("20240115"), which is also all digits: exactly eight
// digits and nothing else is a date.
func isEpochNumber(s string) bool {
	return len(s) != 8 || strings.Trim(s, "0123456789") != ""
}

// normaliseTime turns the variants of one form into the form the layouts
// spell: "T" between date and time, "Z" for UTC.
func normaliseTime(s string) string {
	b := []byte(s)
	for i := range b {
		switch {
		case b[i] == 't' || (b[i] == ' ' && i == 10) || (b[i] == ' ' && i == 8):
			b[i] = 'T'
		case b[i] == 'z' && i == len(b)-1:
			b[i] = 'Z'
		}
	}
	out := string(b)
	// "+00:00" written as " +00:00" after the time, or "UTC" spelled out.
	out = strings.Replace(out, " +", "+", 1)
	out = strings.Replace(out, " -", "-", 1)
	if strings.HasSuffix(out, " UTC") || strings.HasSuffix(out, "UTC") {
		out = strings.TrimSuffix(strings.TrimSuffix(out, "UTC"), " ") + "Z"
	}
	return out
}

// exactEpoch reads a plain decimal number of epoch seconds or
// milliseconds ("1705312800123", "1705312800.5") without going through a
// float64, which would round milliseconds off by a few hundred
// nanoseconds. ok is false for anything else (signs, exponents, numbers
// out of range), which epochTime then reads or refuses.
func exactEpoch(s string) (t time.Time, ok bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 18 || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	frac = (frac + "000000000000")[:12] // picoseconds of a second, or femtoseconds of a millisecond
	p, _ := strconv.ParseInt(frac, 10, 64)
	sec, nsec := n, p/1000
	if n > epochMillisAbove {
		sec, nsec = n/1000, (n%1000)*int64(time.Millisecond)+p/1_000_000
	}
	const maxSeconds = 253402300799
	if sec > maxSeconds {
		return time.Time{}, false
	}
	return time.Unix(sec, nsec).UTC(), true
}

// epochTime turns seconds (or milliseconds, see epochMillisAbove) since
// 1970 into a time, refusing what no calendar a person uses would show.
func epochTime(f float64) (time.Time, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, fmt.Errorf("%w time %v: not a number of seconds", ErrInvalid, f)
	}
	if math.Abs(f) > epochMillisAbove {
		f /= 1000
	}
	// Beyond the year 9999 (or before year 1) times do not round-trip
	// through RFC 3339.
	const maxSeconds = 253402300799
	const minSeconds = -62135596800
	if f > maxSeconds || f < minSeconds {
		return time.Time{}, fmt.Errorf("%w time %v: out of range", ErrInvalid, f)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
}

// ParseTimeJSON reads a time from a JSON value: a string in any form
// ParseTime reads, or a number of epoch seconds or milliseconds. null and
// "" are the zero time, which callers treat as unknown.
func ParseTimeJSON(raw []byte) (time.Time, error) {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "null" || s == `""`:
		return time.Time{}, nil
	case strings.HasPrefix(s, `"`):
		if str, ok := plainJSONString([]byte(s)); ok {
			return ParseTime(str)
		}
		var str string
		if json.Unmarshal([]byte(s), &str) != nil {
			return time.Time{}, fmt.Errorf("%w time %s: not a JSON string", ErrInvalid, truncateForError(s))
		}
		return ParseTime(str)
	default:
		if t, ok := exactEpoch(s); ok {
			return t, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w time %s: neither a string nor a number", ErrInvalid, truncateForError(s))
		}
		return epochTime(f)
	}
}

// FormatTime is the one form coop writes times in: RFC 3339 in UTC, with
// as many fraction digits as the time has.
func FormatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// truncateForError keeps error lines short when a value is long.
func truncateForError(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
