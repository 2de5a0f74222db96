package aws

import (
	"sync"
	"time"
)

// missingDocs remembers which repositories this Store found without a
// metadata document, and when, so that the write that follows (an
// upload's first, after its check found none) goes as a PUT with
// If-None-Match: * without a HEAD first: a document made meanwhile by
// another writer makes S3 refuse that PUT, and the write then reads the
// document and applies its batch again, as after any lost race.
type missingDocs struct {
	mu sync.Mutex
	m  map[string]time.Time // by index folder
}

// missingTrusted is how long a document found missing is taken to be
// missing still without asking; past it, a write asks S3 again.
const missingTrusted = 30 * time.Second

// missingMax bounds what a long-running store (coop serve) remembers:
// clients name the repositories whose documents are looked for, so the
// set must not grow with them. Forgetting is always safe (the write then
// asks S3 first), so a full set drops what is out of date, and all of it
// if nothing is.
const missingMax = 4096

// seen records that dir's repository has no document now.
func (d *missingDocs) seen(dir string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = map[string]time.Time{}
	}
	if _, ok := d.m[dir]; !ok && len(d.m) >= missingMax {
		for k, at := range d.m {
			if time.Since(at) >= missingTrusted {
				delete(d.m, k)
			}
		}
		if len(d.m) >= missingMax {
			clear(d.m)
		}
	}
	d.m[dir] = time.Now()
}

// forget records that dir's repository has (or may have) a document.
func (d *missingDocs) forget(dir string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.m, dir)
}

// recent reports whether dir's repository was found without a document
// in the last missingTrusted.
func (d *missingDocs) recent(dir string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	at, ok := d.m[dir]
	return ok && time.Since(at) < missingTrusted
}
