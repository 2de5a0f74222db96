package backend

import (
	"crypto/sha256"
	"encoding/hex"
	"hash/crc32"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestCombineCRC32CMatchesWhole(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 1<<20+77)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	whole := crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli))
	for range 50 {
		// Cut into up to 8 ranges at random points and combine in order.
		cuts := []int{0}
		for range r.IntN(8) {
			cuts = append(cuts, r.IntN(len(data)+1))
		}
		cuts = append(cuts, len(data))
		slices.Sort(cuts)
		var c uint32
		for i := 1; i < len(cuts); i++ {
			part := data[cuts[i-1]:cuts[i]]
			c = CombineCRC32C(c, UpdateCRC32C(0, part), int64(len(part)))
		}
		if c != whole {
			t.Fatalf("cuts %v: combined %08x, whole %08x", cuts, c, whole)
		}
	}
	// A changed byte changes the combined value.
	data[12345] ^= 1
	a, b := data[:500000], data[500000:]
	if got := CombineCRC32C(UpdateCRC32C(0, a), UpdateCRC32C(0, b), int64(len(b))); got == whole {
		t.Fatal("a flipped bit left the CRC unchanged")
	}
}

func TestContentHash(t *testing.T) {
	h := NewContentHash()
	h.Add([]byte("hello, "))
	mustWrite(t, h, []byte("world"))
	sum := sha256.Sum256([]byte("hello, world"))
	if got, want := h.SHA256(), "sha256:"+hex.EncodeToString(sum[:]); got != want {
		t.Errorf("SHA256 = %s, want %s", got, want)
	}
	want := crc32.Checksum([]byte("hello, world"), crc32.MakeTable(crc32.Castagnoli))
	if got := h.CRC32C(); got != FormatCRC32C(want) {
		t.Errorf("CRC32C = %s, want %08x", got, want)
	}
	if h.Len() != 12 {
		t.Errorf("Len = %d", h.Len())
	}
	c, err := ParseCRC32C(h.CRC32C())
	if err != nil || c != want {
		t.Errorf("ParseCRC32C(%s) = %08x, %v", h.CRC32C(), c, err)
	}
	for _, bad := range []string{"", "1234567", "123456789", "zzzzzzzz", "-1234567"} {
		if _, err := ParseCRC32C(bad); err == nil {
			t.Errorf("ParseCRC32C(%q) accepted", bad)
		}
	}
}

func mustWrite(t *testing.T, h *ContentHash, p []byte) {
	t.Helper()
	if n, err := h.Write(p); n != len(p) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
}
