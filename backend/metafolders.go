package backend

import "slices"

// FolderCheck checks the folder rules of a metadata document over its
// entries in byte order of paths, in memory that grows with the depth of
// the tree, not with the document: every folder above an entry has a
// folder entry, and (as the transfer queue keeps it) every folder entry
// has a file below it. Repair and the contract checks both use it.
//
// In byte order a folder's entries come after it but not always right
// after it ("a", "a.txt", "a/b"), so a folder stays open until the walk
// passes every path that could lie below it.
type FolderCheck struct {
	open    []openFolder
	last    string
	missing []string
	empty   []string
	known   map[string]bool // missing folders already reported
}

type openFolder struct {
	path string
	file bool // a file lies below it
}

// Add takes the next entry; paths must come in byte order.
func (c *FolderCheck) Add(path string, t EntryType) {
	c.closeBefore(path)
	c.last = path
	for d := ParentFolder(path); d != ""; d = ParentFolder(d) {
		i := c.find(d)
		switch {
		case i >= 0 && t != TypeDirectory:
			c.open[i].file = true
		case i < 0 && !c.known[d]:
			if c.known == nil {
				c.known = map[string]bool{}
			}
			c.known[d] = true
			c.missing = append(c.missing, d)
		}
	}
	if t == TypeDirectory {
		c.open = append(c.open, openFolder{path: path})
	}
}

// find returns the index of open folder d, or -1.
func (c *FolderCheck) find(d string) int {
	for i := len(c.open) - 1; i >= 0; i-- {
		if c.open[i].path == d {
			return i
		}
	}
	return -1
}

// closeBefore closes the open folders no path from p on can lie below.
func (c *FolderCheck) closeBefore(p string) {
	kept := c.open[:0]
	for _, f := range c.open {
		if p >= f.path+"0" { // past [f/, f0), the paths below f
			if !f.file {
				c.empty = append(c.empty, f.path)
			}
			continue
		}
		kept = append(kept, f)
	}
	c.open = kept
}

// Missing lists the folders above some entry that have no entry, each
// once, in the order found. Call it after the last Add.
func (c *FolderCheck) Missing() []string { return c.missing }

// Empty lists the folder entries with no file below them. Call it after
// the last Add; it closes every folder still open.
func (c *FolderCheck) Empty() []string {
	for _, f := range c.open {
		if !f.file {
			c.empty = append(c.empty, f.path)
		}
	}
	c.open = nil
	return c.empty
}

// MissingFolders lists the folders above an entry of d that have no
// entry, in byte order.
func (d *SourceMetadata) MissingFolders() []string {
	var c FolderCheck
	for _, p := range sortedKeys(d.Objects) {
		c.Add(p, d.Objects[p].Type)
	}
	return sortedStrings(c.Missing())
}

// EmptyFolders lists the folder entries of d with no file below them, in
// byte order.
func (d *SourceMetadata) EmptyFolders() []string {
	var c FolderCheck
	for _, p := range sortedKeys(d.Objects) {
		c.Add(p, d.Objects[p].Type)
	}
	return sortedStrings(c.Empty())
}

func sortedStrings(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
