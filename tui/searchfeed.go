package tui

import (
	"context"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
)

// searchEvery is the least time between two messages of a search after
// its first matches: the matches found meanwhile go together, so a fast
// walk costs the browser a few Updates and frames a second, not one per
// page (on 2 cores the drawing competed with the walk: +30 %).
const searchEvery = 50 * time.Millisecond

// searchFeed carries one search's matches from the walk to the browser.
// The walk never waits for the browser: it adds what it found and wakes
// the waiting command, which takes everything gathered since. The first
// message, the first matches and the end of the walk go at once; any
// other waits until every has passed since the last message.
type searchFeed struct {
	id     uint64
	cancel context.CancelFunc
	wake   chan struct{} // capacity 1: "there is news"
	begun  time.Time
	every  time.Duration
	after  func(time.Duration) <-chan time.Time // time.After; tests hold it

	mu       sync.Mutex
	hits     []searchHit
	scanned  int
	matched  int
	done     bool
	err      error
	took     time.Duration
	lastSent time.Time // when the last message was taken; zero before the first
	sentHits bool      // a message with matches was taken
}

func newSearchFeed(id uint64, cancel context.CancelFunc) *searchFeed {
	return &searchFeed{id: id, cancel: cancel, wake: make(chan struct{}, 1), begun: time.Now(), every: searchEvery, after: time.After}
}

// searchMsg is what a feed gathered since the last one.
type searchMsg struct {
	id      uint64
	hits    []searchHit
	scanned int
	matched int
	done    bool
	err     error
	took    time.Duration
}

// walk lists every object of repo once and matches each name, and each
// folder's name (once, from the first path under it), against q.
func (f *searchFeed) walk(ctx context.Context, src Source, repo backend.RepoRef, q string) tea.Cmd {
	return func() tea.Msg {
		match := matcher(q)
		seen := map[string]bool{} // folders already matched
		last := ""                // the folder of the entry before: most share it
		err := backend.Walk(ctx, src, repo, "", func(page []backend.Entry) error {
			var found []searchHit
			for i := range page {
				e := &page[i]
				if parent := backend.ParentFolder(e.Path); parent != last {
					last = parent
					for dir := parent; dir != "" && !seen[dir]; dir = backend.ParentFolder(dir) {
						seen[dir] = true
						if match(baseName(dir)) {
							found = append(found, searchHit{path: dir, dir: true})
						}
					}
				}
				if e.IsDir() {
					if seen[e.Path] {
						continue
					}
					seen[e.Path] = true
				}
				if match(baseName(e.Path)) {
					found = append(found, searchHit{path: e.Path, dir: e.IsDir()})
				}
			}
			f.add(found, len(page))
			return ctx.Err()
		})
		f.finish(err)
		return nil
	}
}

// baseName is the last segment of a path.
func baseName(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// add records a page's matches and wakes the waiting command.
func (f *searchFeed) add(found []searchHit, scanned int) {
	f.mu.Lock()
	f.scanned += scanned
	f.matched += len(found)
	if room := maxSearchHits - len(f.hits); room > 0 {
		f.hits = append(f.hits, found[:min(room, len(found))]...)
	}
	f.mu.Unlock()
	f.signal()
}

// finish records the end of the walk.
func (f *searchFeed) finish(err error) {
	f.mu.Lock()
	f.done, f.err, f.took = true, err, time.Since(f.begun)
	f.mu.Unlock()
	f.signal()
}

func (f *searchFeed) signal() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// next waits for news of the walk, holds it as hold says, and takes it.
// The matches already taken are not sent again: each message carries
// only the new ones.
func (f *searchFeed) next(ctx context.Context) tea.Cmd {
	return func() tea.Msg {
		select {
		case <-f.wake:
		case <-ctx.Done():
			return nil
		}
		if d := f.hold(); d > 0 {
			timer := f.after(d)
			for held := true; held; {
				select {
				case <-timer:
					held = false
				case <-f.wake: // the first matches or the end go at once
					held = f.hold() > 0
				case <-ctx.Done():
					return nil
				}
			}
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		msg := searchMsg{id: f.id, hits: f.hits, scanned: f.scanned, matched: f.matched, done: f.done, err: f.err, took: f.took}
		f.hits, f.lastSent = nil, time.Now()
		f.sentHits = f.sentHits || len(msg.hits) > 0
		return msg
	}
}

// hold is how long the news gathered must wait to go with what follows:
// nothing for the first message, the first matches or the end of the
// walk, else until every has passed since the last message.
func (f *searchFeed) hold() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lastSent.IsZero() || f.done || (!f.sentHits && len(f.hits) > 0) {
		return 0
	}
	return f.every - time.Since(f.lastSent)
}
