package backend

import (
	"strings"
	"testing"
)

func TestCompareSHA256(t *testing.T) {
	const h = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
	for _, c := range []struct {
		recorded, computed string
		want               ChecksumMatch
	}{
		{"sha256:" + h, "sha256:" + h, ChecksumEqual},
		{h, "sha256:" + h, ChecksumEqual},
		{strings.ToUpper(h), "sha256:" + h, ChecksumEqual},
		{"SHA256:" + strings.ToUpper(h), h, ChecksumEqual},
		{" sha256:" + h + " ", "sha256:" + h, ChecksumEqual},
		{"sha256:" + strings.Repeat("0", 64), "sha256:" + h, ChecksumDiffers},
		{strings.Repeat("f", 64), "sha256:" + h, ChecksumDiffers},
		{"md5:5d41402abc4b2a76b9719d911017c592", "sha256:" + h, ChecksumNotCheckable},
		{"5d41402abc4b2a76b9719d911017c592", "sha256:" + h, ChecksumNotCheckable},
		{"9b2cf535f27731c974343645a3985328-3", "sha256:" + h, ChecksumNotCheckable},
		{"sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=", "sha256:" + h, ChecksumNotCheckable},
		{"sha256:" + h[:63] + "g", "sha256:" + h, ChecksumNotCheckable},
		{"", "sha256:" + h, ChecksumNotCheckable},
		{"sha256:" + h, "", ChecksumNotCheckable},
	} {
		if got := CompareSHA256(c.recorded, c.computed); got != c.want {
			t.Errorf("CompareSHA256(%q, %q) = %s, want %s", c.recorded, c.computed, got, c.want)
		}
	}
	if got := NormalizeSHA256(strings.ToUpper(h)); got != "sha256:"+h {
		t.Errorf("NormalizeSHA256 = %q", got)
	}
	if got := NormalizeSHA256("md5:x"); got != "md5:x" {
		t.Errorf("NormalizeSHA256 changed what it cannot read: %q", got)
	}
}
