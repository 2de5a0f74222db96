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
