package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An upload the store takes longer over than the access layer's decision
// on the repository lives (2 s: here a store 2.4 s away, its catalog
// 0.2 s): the decision is looked up again while the object is in flight,
// so the metadata write follows the object's answer at once instead of
// waiting a round trip for a new lookup first. (On a loaded machine
// that extra lookup made the round-trip tests above count one more
// GetItem.)
func TestLongUploadsMetadataWriteWaitsForNoLookup(t *testing.T) {
	d := newDistantStore(t)
	const far = 1200 * time.Millisecond
	d.s3.SetDelay(far)
	src := filepath.Join(t.TempDir(), "slow.csv")
	writeFile(t, src, "station,value\nst-44,9\n")
	ops, _ := d.measure(t, "upload", src, "acme/data/slow.csv")
	var puts []int
	spans := d.trace.Spans()
	for i, s := range spans {
		if s.Op == "PutObject" {
			puts = append(puts, i)
		}
	}
	if len(puts) != 2 {
		t.Fatalf("coop upload: %d PutObject requests, want the object's and the metadata's: %s", len(puts), strings.Join(ops, " "))
	}
	object, meta := spans[puts[0]], spans[puts[1]]
	answered := object.End
	var after []string
	for _, s := range spans {
		if !s.Start.Before(answered) {
			after = append(after, s.Op)
		}
	}
	rounds := d.trace.RoundsFrom(answered)
	for _, s := range spans {
		if !testing.Verbose() {
			break
		}
		t.Logf("%-22s %5d %5d ms", s.Op, s.Start.Sub(spans[0].Start).Milliseconds(), s.End.Sub(spans[0].Start).Milliseconds())
	}
	t.Logf("coop upload at %v from the store: the object's PUT %v, the metadata's written %v after its answer; then %d round trips: %s (all: %s)",
		far, object.End.Sub(object.Start).Round(time.Millisecond), meta.Start.Sub(answered).Round(time.Millisecond), rounds, strings.Join(after, " "), strings.Join(ops, " "))
	if object.End.Sub(object.Start) < 2*time.Second {
		t.Fatalf("the object's PUT took %v, not longer than a decision lives", object.End.Sub(object.Start))
	}
	if rounds != 1 {
		t.Errorf("coop upload: %d round trips after the object's answer, want 1 (the metadata's write): %s", rounds, strings.Join(after, " "))
	}
}
