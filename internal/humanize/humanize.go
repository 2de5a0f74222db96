// Package humanize formats sizes and counts for people, the same way in
// the browser and on the command line.
package humanize

import (
	"fmt"
	"strconv"
	"strings"
)

// Bytes renders a size in binary units: 512 B, 1.5 KiB, 3.2 GiB.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Count renders n with thousands separators: 1,234,567.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Size renders a size both ways, for a preview: "1.5 KiB (1,536 bytes)";
// below 1 KiB the exact count alone: "76 bytes".
func Size(n int64) string {
	switch {
	case n == 1:
		return "1 byte"
	case n < 1024:
		return Count(n) + " bytes"
	}
	return Bytes(n) + " (" + Count(n) + " bytes)"
}

// ParseBytes reads a size as people write it: 1024, 500MB, 1.5GiB, 16g
// (k, m, g, t alone are binary, as in 16g = 16 GiB; KB, MB, GB, TB are
// decimal).
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("size %q: not a number of bytes", s)
	}
	mult := map[string]float64{
		"": 1, "b": 1,
		"k": 1 << 10, "kib": 1 << 10, "kb": 1e3,
		"m": 1 << 20, "mib": 1 << 20, "mb": 1e6,
		"g": 1 << 30, "gib": 1 << 30, "gb": 1e9,
		"t": 1 << 40, "tib": 1 << 40, "tb": 1e12,
	}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("size %q: unknown unit %q (use B, KiB, MiB, GiB, TiB, or KB, MB, GB, TB)", s, unit)
	}
	n := v * mult
	if n > 1<<62 {
		return 0, fmt.Errorf("size %q: too large", s)
	}
	return int64(n), nil
}
