package content

import (
	"encoding/binary"
	"fmt"
	"time"
)

// A zip's listing is in its central directory, at the end of the file,
// found from the end-of-central-directory record in its last bytes. The
// standard archive/zip reads the whole directory before listing any of
// it; this reader lists what fits in the preview's budget, so that a zip
// of a million files still shows its first entries and its count.

// Zip is the listing of a zip archive.
type Zip struct {
	// Entries is how many entries the archive says it has.
	Entries uint64 `json:"entries"`
	// Files are the first entries of the central directory, at most
	// MaxZipEntries.
	Files   []ZipEntry `json:"files"`
	Comment string     `json:"comment,omitempty"`
	Zip64   bool       `json:"zip64,omitempty"`
}

// ZipEntry is one entry of the central directory.
type ZipEntry struct {
	Name       string    `json:"name"`
	Size       uint64    `json:"size"`
	Compressed uint64    `json:"compressed_size"`
	Method     string    `json:"method"`
	Modified   time.Time `json:"modified,omitzero"`
	Encrypted  bool      `json:"encrypted,omitempty"`
}

// MaxZipEntries is the most entries a zip preview lists.
const MaxZipEntries = 1000

const (
	sigEOCD       = 0x06054b50
	sigZip64EOCD  = 0x06064b50
	sigZip64Loc   = 0x07064b50
	sigCentralDir = 0x02014b50
	eocdLen       = 22
	zip64LocLen   = 20
	zip64EOCDLen  = 56
	cdHeaderLen   = 46
	zipTail       = 64<<10 + eocdLen
)

var zipMethods = map[uint16]string{
	0: "store", 8: "deflate", 9: "deflate64", 12: "bzip2", 14: "lzma", 93: "zstd", 95: "xz", 98: "ppmd", 99: "aes",
}

// zipDir is where the central directory is, per the end records.
type zipDir struct {
	entries uint64
	size    uint64
	offset  uint64
	end     int64 // where the end records start
	comment string
	zip64   bool
}

func readZip(r *reader) (*Summary, error) {
	dir, err := findZipDir(r)
	if err != nil {
		return nil, err
	}
	z := &Zip{Entries: dir.entries, Comment: dir.comment, Zip64: dir.zip64, Files: []ZipEntry{}}
	// Data before the archive (a self-extracting stub) shifts every
	// offset; the directory ends where the end records begin.
	base := dir.end - int64(dir.size) - int64(dir.offset)
	if dir.size > uint64(dir.end) || dir.offset > uint64(dir.end) || base < 0 {
		return nil, fmt.Errorf("%w: the zip's central directory (%d bytes at %d) is not inside the file", ErrMalformed, dir.size, dir.offset)
	}
	start := base + int64(dir.offset)
	n := min(int64(dir.size), r.budget+int64(len(r.heldFrom(start))))
	cd, err := r.at(start, n)
	if err != nil {
		return nil, err
	}
	for len(z.Files) < MaxZipEntries && uint64(len(z.Files)) < dir.entries {
		e, used, ok := zipEntry(cd)
		if !ok {
			break
		}
		z.Files = append(z.Files, e)
		cd = cd[used:]
	}
	if len(z.Files) == 0 && dir.entries > 0 {
		return nil, fmt.Errorf("%w: the zip's central directory has no readable entry", ErrMalformed)
	}
	return &Summary{Format: FormatZip, Size: r.size, Zip: z}, nil
}

// findZipDir finds and reads the end-of-central-directory record (and its
// Zip64 form) in the last bytes of the file.
func findZipDir(r *reader) (zipDir, error) {
	if r.size < eocdLen {
		return zipDir{}, fmt.Errorf("%w: %d bytes is too small for a zip", ErrMalformed, r.size)
	}
	tailLen := min(r.size, zipTail)
	tail, err := r.at(r.size-tailLen, tailLen)
	if err != nil {
		return zipDir{}, err
	}
	le := binary.LittleEndian
	// The record is the last signature whose comment length reaches
	// exactly the end of the file.
	i := len(tail) - eocdLen
	for ; i >= 0; i-- {
		if le.Uint32(tail[i:]) == sigEOCD && int(le.Uint16(tail[i+20:])) == len(tail)-i-eocdLen {
			break
		}
	}
	if i < 0 {
		return zipDir{}, fmt.Errorf("%w: not a zip file (no end of central directory)", ErrMalformed)
	}
	rec := tail[i:]
	d := zipDir{
		entries: uint64(le.Uint16(rec[10:])), size: uint64(le.Uint32(rec[12:])), offset: uint64(le.Uint32(rec[16:])),
		end: r.size - tailLen + int64(i), comment: string(rec[eocdLen:]),
	}
	if d.entries != 0xffff && d.size != 0xffffffff && d.offset != 0xffffffff {
		return d, nil
	}
	// Zip64: a locator right before the record points at the Zip64 end
	// record, which has the real numbers.
	if i < zip64LocLen || le.Uint32(tail[i-zip64LocLen:]) != sigZip64Loc {
		return d, nil
	}
	off := le.Uint64(tail[i-zip64LocLen+8:])
	if off > uint64(d.end) {
		return zipDir{}, fmt.Errorf("%w: the zip64 end record is past the end of the file", ErrMalformed)
	}
	rec64, err := r.at(int64(off), zip64EOCDLen)
	if err != nil {
		return zipDir{}, err
	}
	if len(rec64) < zip64EOCDLen || le.Uint32(rec64) != sigZip64EOCD {
		return zipDir{}, fmt.Errorf("%w: the zip64 end record is missing", ErrMalformed)
	}
	d.entries, d.size, d.offset = le.Uint64(rec64[32:]), le.Uint64(rec64[40:]), le.Uint64(rec64[48:])
	d.end, d.zip64 = int64(off), true
	return d, nil
}

// zipEntry decodes one central directory header from the start of b and
// returns how many bytes it took; ok is false if b does not start with a
// whole one.
func zipEntry(b []byte) (ZipEntry, int, bool) {
	le := binary.LittleEndian
	if len(b) < cdHeaderLen || le.Uint32(b) != sigCentralDir {
		return ZipEntry{}, 0, false
	}
	nameLen, extraLen, commentLen := int(le.Uint16(b[28:])), int(le.Uint16(b[30:])), int(le.Uint16(b[32:]))
	total := cdHeaderLen + nameLen + extraLen + commentLen
	if len(b) < total {
		return ZipEntry{}, 0, false
	}
	flags, method := le.Uint16(b[8:]), le.Uint16(b[10:])
	e := ZipEntry{
		Name:       string(b[cdHeaderLen : cdHeaderLen+nameLen]),
		Compressed: uint64(le.Uint32(b[20:])), Size: uint64(le.Uint32(b[24:])),
		Method: zipMethods[method], Encrypted: flags&1 != 0,
		Modified: dosTime(le.Uint16(b[14:]), le.Uint16(b[12:])),
	}
	if e.Method == "" {
		e.Method = fmt.Sprintf("method %d", method)
	}
	zip64Sizes(&e, b[cdHeaderLen+nameLen:cdHeaderLen+nameLen+extraLen])
	return e, total, true
}

// zip64Sizes reads the sizes a Zip64 extra field holds in place of the
// 0xffffffff the header has.
func zip64Sizes(e *ZipEntry, extra []byte) {
	le := binary.LittleEndian
	for len(extra) >= 4 {
		id, n := le.Uint16(extra), int(le.Uint16(extra[2:]))
		if len(extra) < 4+n {
			return
		}
		field := extra[4 : 4+n]
		if id == 1 {
			if e.Size == 0xffffffff && len(field) >= 8 {
				e.Size, field = le.Uint64(field), field[8:]
			}
			if e.Compressed == 0xffffffff && len(field) >= 8 {
				e.Compressed = le.Uint64(field)
			}
			return
		}
		extra = extra[4+n:]
	}
}

// dosTime decodes an MS-DOS date and time (local time of the writer,
// taken as UTC); zero if invalid.
func dosTime(date, tm uint16) time.Time {
	if date == 0 {
		return time.Time{}
	}
	y, mo, d := int(date>>9)+1980, time.Month(date>>5&0xf), int(date&0x1f)
	h, mi, s := int(tm>>11), int(tm>>5&0x3f), int(tm&0x1f)*2
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 {
		return time.Time{}
	}
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}
