package metadoc

import (
	"strings"

	"github.com/coopterm/coop/backend"
)

// ScanFunc calls fn with a document's entries from path from on, in byte
// order of paths; fn may stop, or ask to skip ahead to a later path.
type ScanFunc func(from string, fn func(path string, raw []byte) (skipTo string, stop bool, err error)) error

// FolderPage returns one page of the entries directly in folder, read
// through scan: a child folder's contents are skipped in one step.
func FolderPage(folder string, req backend.PageRequest, scan ScanFunc) (backend.Page[backend.MetadataEntry], error) {
	limit := req.Limit
	if limit <= 0 {
		limit = backend.DefaultMetadataPage
	}
	prefix := ""
	if folder != "" {
		prefix = folder + "/"
	}
	from := prefix
	if req.Cursor != "" {
		from = prefix + req.Cursor + "\x00"
	}
	var page backend.Page[backend.MetadataEntry]
	err := scan(from, func(p string, raw []byte) (string, bool, error) {
		if !strings.HasPrefix(p, prefix) {
			return "", true, nil
		}
		name := p[len(prefix):]
		if j := strings.IndexByte(name, '/'); j >= 0 {
			return prefix + name[:j] + "0", false, nil // below a child folder
		}
		if len(page.Items) == limit {
			page.Next = page.Items[limit-1].Path[len(prefix):]
			return "", true, nil
		}
		m, err := backend.DecodeObjectMeta(raw)
		if err != nil {
			return "", false, err
		}
		page.Items = append(page.Items, backend.MetadataEntry{Path: p, Meta: m})
		return "", false, nil
	})
	return page, err
}
