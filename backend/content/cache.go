package content

import (
	"container/list"
	"sync"
	"time"
)

// cache keeps recent summaries, least recently used out first, within a
// bound on entries and on the memory they hold.
type cache struct {
	mu         sync.Mutex
	maxEntries int
	maxBytes   int64
	bytes      int64
	order      *list.List // of *cached, most recent first
	byKey      map[string]*list.Element
}

// cached is one result: a summary, or the error content gave.
type cached struct {
	key  string
	sum  *Summary
	err  error
	cost int64
	at   time.Time
}

func newCache(maxEntries int, maxBytes int64) *cache {
	return &cache{maxEntries: maxEntries, maxBytes: maxBytes, order: list.New(), byKey: map[string]*list.Element{}}
}

// get returns the entry for key if it was stored after notBefore.
func (c *cache) get(key string, notBefore time.Time) (cached, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return cached{}, false
	}
	e := el.Value.(*cached)
	if e.at.Before(notBefore) {
		c.remove(el)
		return cached{}, false
	}
	c.order.MoveToFront(el)
	return *e, true
}

// put stores a result, dropping the least recently used ones over the
// bounds. A result bigger than the whole cache is not kept.
func (c *cache) put(key string, s *Summary, err error) {
	cost := s.cost()
	if cost > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		c.remove(el)
	}
	c.byKey[key] = c.order.PushFront(&cached{key: key, sum: s, err: err, cost: cost, at: time.Now()})
	c.bytes += cost
	for c.order.Len() > c.maxEntries || c.bytes > c.maxBytes {
		c.remove(c.order.Back())
	}
}

func (c *cache) remove(el *list.Element) {
	e := c.order.Remove(el).(*cached)
	delete(c.byKey, e.key)
	c.bytes -= e.cost
}

// cost estimates the memory a summary holds: its strings, and a little
// for every element of its lists.
func (s *Summary) cost() int64 {
	const base, item = 512, 64
	if s == nil {
		return base
	}
	n := int64(base)
	if t := s.Text; t != nil {
		n += int64(len(t.Body))
	}
	if t := s.Table; t != nil {
		for _, row := range append([][]string{t.Header}, t.Rows...) {
			for _, c := range row {
				n += int64(len(c)) + 16
			}
		}
	}
	if p := s.Parquet; p != nil {
		n += fieldsCost(p.Schema)
		for _, kv := range p.Metadata {
			n += int64(len(kv.Key)+len(kv.Value)) + item
		}
		if p.Geo != nil {
			n += int64(len(p.Geo.Columns)) * 4 * item
		}
	}
	if z := s.Zarr; z != nil {
		n += int64(len(z.Arrays)+len(z.Groups)+len(z.Attributes)) * 8 * item
		for _, kv := range z.Attributes {
			n += int64(len(kv.Value))
		}
	}
	if z := s.Zip; z != nil {
		for _, f := range z.Files {
			n += int64(len(f.Name)) + 2*item
		}
	}
	if f := s.FlatGeobuf; f != nil {
		n += int64(len(f.Columns))*item + int64(len(f.Description))
	}
	return n
}

func fieldsCost(fs []Field) int64 {
	n := int64(0)
	for _, f := range fs {
		n += int64(len(f.Name)+len(f.Logical)) + 96 + fieldsCost(f.Fields)
	}
	return n
}
