package backend

import (
	"encoding/hex"
	"strings"
)

// ChecksumMatch is how a recorded checksum compares with the SHA-256 coop
// computed of the content.
type ChecksumMatch int

const (
	// ChecksumNotCheckable: the recorded checksum is empty, of another
	// algorithm, or in a form coop does not read ("md5:…", a multipart
	// ETag). Nothing is known either way; it is never a mismatch.
	ChecksumNotCheckable ChecksumMatch = iota
	// ChecksumEqual: the recorded SHA-256 is the content's.
	ChecksumEqual
	// ChecksumDiffers: the recorded SHA-256 is not the content's.
	ChecksumDiffers
)

// String says what the comparison found, for messages.
func (c ChecksumMatch) String() string {
	switch c {
	case ChecksumEqual:
		return "equal"
	case ChecksumDiffers:
		return "differs"
	}
	return "not checkable by coop"
}

// SHA256Hex reads a SHA-256 as the platform's writers record it: coop's
// "sha256:<hex>", or 64 bare hex digits (other tools), in either case. It
// returns the digest as 64 lower-case hex digits; ok is false for
// anything else, which coop cannot check.
func SHA256Hex(s string) (hexDigest string, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) == len("sha256:")+64 && strings.EqualFold(s[:7], "sha256:") {
		s = s[7:]
	}
	if len(s) != 64 {
		return "", false
	}
	if _, err := hex.DecodeString(s); err != nil {
		return "", false
	}
	return strings.ToLower(s), true
}

// NormalizeSHA256 writes a checksum SHA256Hex reads as coop writes it,
// "sha256:<hex>"; anything else is returned unchanged.
func NormalizeSHA256(s string) string {
	if h, ok := SHA256Hex(s); ok {
		return "sha256:" + h
	}
	return s
}

// CompareSHA256 compares a recorded checksum with one coop computed (or
// a store reported), each in any form SHA256Hex reads: the same digest
// is ChecksumEqual whatever its spelling; when either is in a form coop
// cannot read, the answer is ChecksumNotCheckable, never a mismatch.
func CompareSHA256(recorded, computed string) ChecksumMatch {
	a, okA := SHA256Hex(recorded)
	b, okB := SHA256Hex(computed)
	switch {
	case !okA || !okB:
		return ChecksumNotCheckable
	case a == b:
		return ChecksumEqual
	}
	return ChecksumDiffers
}
