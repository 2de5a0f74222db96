package audit

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The hand-written encoder writes exactly what encoding/json writes for
// any event: odd names (quotes, backslashes, control characters, HTML
// characters, U+2028, non-UTF-8), empty and omitted fields, negative
// byte counts, times with and without fractions.
func TestEventLinesAreEncodingJSONs(t *testing.T) {
	odd := []string{"", "plain/path.csv", `a"b`, `back\slash`, "tab\there", "nl\nx", "cr\rx", "\b\f\x00\x01\x1f\x7f",
		"<script>&amp;</script>", "line\u2028sep\u2029", "é ü 日本", "bad\xffutf8\xc3", "\xed\xa0\x80", "emoji 🎉", " lead and trail "}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() string {
		if rng.IntN(3) == 0 {
			b := make([]byte, rng.IntN(12))
			for i := range b {
				b[i] = byte(rng.IntN(256))
			}
			return string(b)
		}
		return odd[rng.IntN(len(odd))] + odd[rng.IntN(len(odd))]
	}
	times := []time.Time{
		time.Date(2026, 12, 5, 9, 30, 0, 0, time.UTC),
		time.Date(2026, 12, 5, 9, 30, 1, 123456789, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 100000000, time.UTC),
	}
	for i := range 5000 {
		ev := Event{Time: times[i%len(times)], Actor: pick(), Remote: pick(), Action: pick(), Target: pick(), Result: pick(),
			Bytes: rng.Int64N(1<<40) - 1<<20}
		if i%2 == 0 {
			ev.Detail = pick()
		}
		if i%3 == 0 {
			ev.Error = pick()
		}
		want, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendEvent([]byte("before"), ev)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, append(append([]byte("before"), want...), '\n')) {
			t.Fatalf("event %+v:\n got %q\nwant %q", ev, got, want)
		}
	}
	// A time encoding/json refuses is refused the same.
	_, jerr := json.Marshal(Event{Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
	if _, err := appendEvent(nil, Event{Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil || jerr == nil || !strings.Contains(err.Error(), jerr.Error()) {
		t.Errorf("year 10000: %v, encoding/json %v", err, jerr)
	}
}

// A batch's lines cost a few allocations (the buffer's growth), not
// encoding/json's one or more per event.
func TestBatchLinesAllocateLittle(t *testing.T) {
	evs := make([]Event, 1000)
	for i := range evs {
		evs[i] = Event{Time: time.Now().UTC(), Actor: "local:me", Remote: "local", Action: ActionDelete, Target: "acme/data/many/f00001", Result: "ok"}
	}
	l := Open(filepath.Join(t.TempDir(), "audit.log"), func(err error) { t.Error(err) })
	l.RecordAll(evs[:1]) // opens the file
	allocs := testing.AllocsPerRun(5, func() { l.RecordAll(evs) })
	t.Logf("1,000 events: %.0f allocations", allocs)
	if allocs > 60 {
		t.Errorf("1,000 events took %.0f allocations, want at most 60", allocs)
	}
}
