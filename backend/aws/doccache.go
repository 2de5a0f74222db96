package aws

import (
	"sync"
	"time"

	"github.com/coopterm/coop/backend"
)

// Metadata documents smaller than docCacheMin are cheap to read again;
// larger ones are kept after a write for docCacheIdle.
const (
	docCacheMin  = 256 << 10
	docCacheIdle = 30 * time.Second
)

// docCache keeps the parsed metadata document this Store wrote last, with
// the ETag S3 gave it, so that the next update of that repository (an
// upload writes about once a second) sends its conditional PUT at once,
// skipping a GET and a parse of tens of MB. If another writer came in
// between, the PUT fails on its If-Match and the update reads the file as
// usual. A taken document belongs to the taker.
type docCache struct {
	mu    sync.Mutex
	ref   backend.RepoRef
	etag  string
	doc   *backend.SourceMetadata
	timer *time.Timer
}

// take returns the cached document of ref and its ETag, and empties the
// cache either way.
func (c *docCache) take(ref backend.RepoRef) (*backend.SourceMetadata, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	doc, etag := c.doc, c.etag
	ok := doc != nil && c.ref == ref
	c.doc, c.etag = nil, ""
	if !ok {
		return nil, ""
	}
	return doc, etag
}

// keep caches doc as the content of ref's metadata file, which S3 now
// knows by etag.
func (c *docCache) keep(ref backend.RepoRef, etag string, doc *backend.SourceMetadata) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ref, c.etag, c.doc = ref, etag, doc
	if c.timer == nil {
		c.timer = time.AfterFunc(docCacheIdle, c.clear)
	} else {
		c.timer.Reset(docCacheIdle)
	}
}

// clear drops the cached document.
func (c *docCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.doc, c.etag = nil, ""
}
