package migrate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// TestArrivals records objects from several goroutines, a path twice
// (the last record wins), one without a checksum, and finds each after
// seal; a checksum differing in its first or last digits is told apart
// only as far as its first 64 bits go.
func TestArrivals(t *testing.T) {
	arr := newArrivals()
	shaOf := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	done := make(chan bool)
	for g := range 4 {
		go func() {
			for i := range 250 {
				p := fmt.Sprintf("d%d/f%03d", g, i)
				arr.set(p, shaOf(p), int64(i))
			}
			done <- true
		}()
	}
	for range 4 {
		<-done
	}
	arr.set("d0/f007", shaOf("other"), 99)
	arr.set("unread", "", 5)
	arr.seal()
	if len(arr.recs) != 1001 {
		t.Errorf("%d records after seal, want 1001", len(arr.recs))
	}
	for g := range 4 {
		for i := range 250 {
			p := fmt.Sprintf("d%d/f%03d", g, i)
			got, ok := arr.get(p)
			want, size := shaOf(p), int64(i)
			if p == "d0/f007" {
				want, size = shaOf("other"), 99
			}
			if !ok || got.size != size || !got.hasSHA() || !got.sameSHA(want) || !got.sameSHA(strings.ToUpper(want)) {
				t.Fatalf("%s: %+v, %v", p, got, ok)
			}
		}
	}
	if got, ok := arr.get("unread"); !ok || got.hasSHA() || got.size != 5 {
		t.Errorf("unread: %+v, %v", got, ok)
	}
	if _, ok := arr.get("never"); ok {
		t.Error("a path never recorded was found")
	}
	got, _ := arr.get("d1/f001")
	sha := shaOf("d1/f001")
	if got.sameSHA("0000" + sha[4:]) {
		t.Error("a checksum differing in its first digits was taken for the one that arrived")
	}
	if got.sameSHA("not hex at all") || got.sameSHA(sha[:63]+"x") {
		t.Error("a checksum that is not one was taken for the one that arrived")
	}
}
