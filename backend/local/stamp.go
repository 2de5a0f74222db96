package local

import (
	"fmt"
	"time"

	"github.com/coopterm/coop/backend/internal/metaindex"
)

// fileStamp identifies one version of a file: the identity under which
// its metadata index is kept. Every coop write replaces the metadata file
// by renaming a new file over it, so its inode changes too; another tool
// writing in place changes its size or times.
type fileStamp struct {
	dev, ino, size, mtime, ctime int64
}

// ident is the stamp as the index records it, and id a short name for it.
func (st fileStamp) ident() string {
	return fmt.Sprintf("local:%d:%d:%d:%d:%d", st.dev, st.ino, st.size, st.mtime, st.ctime)
}

func (st fileStamp) id() string { return metaindex.IDOf(st.ident()) }

// Granularity of file times: a change within one tick of the last keeps
// the same time. Linux file systems keep nanoseconds but tick with the
// kernel's clock; a time with no fraction of a second suggests one that
// keeps whole seconds (two, for FAT).
const (
	fineTick   = 20 * time.Millisecond
	coarseTick = 2 * time.Second
)

// settled is when no change to the file can keep its stamp any more:
// one tick after its modification time. An index made (or its document
// checked) after that stays right as long as the stamp does; before it,
// the document must be checked against the index's checksum.
func (st fileStamp) settled() time.Time {
	tick := fineTick
	if st.mtime%int64(time.Second) == 0 {
		tick = coarseTick
	}
	return time.Unix(0, st.mtime).Add(tick)
}
