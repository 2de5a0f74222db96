package local

// fileStamp identifies one version of a file: the version token under
// which Store.docs keeps a metadata document. Every write replaces the
// metadata file by renaming a new file over it, so its inode changes too.
type fileStamp struct {
	dev, ino, size, mtime, ctime int64
}

// hasStamp reports whether the file at path is still the version st.
func hasStamp(path string, st fileStamp) bool {
	cur, ok := statStamp(path)
	return ok && cur == st
}
