package tui

import (
	"slices"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/transfer"
)

// uploadUpdates are the coalesced Updates of a 10,000-file upload as a
// subscription delivers them (one per 50 ms): jobs counts the jobs (1: one
// folder upload; 10,000: one job per file, every one changed in every
// Update, the worst case for merging). Every 20th Update reports the
// folders whose metadata was written (about once a second, as the queue
// flushes); the last one finishes every job.
func uploadUpdates(jobs int) []transfer.Update {
	const files, steps = 10_000, 200
	var us []transfer.Update
	for s := 1; s <= steps; s++ {
		done := int64(files * s / steps)
		u := transfer.Update{Totals: transfer.Totals{Running: jobs, Bytes: done << 10, TotalBytes: files << 10,
			Files: done, TotalFiles: files, Rate: 200 << 10, ETA: time.Second}}
		for i := range jobs {
			j := transfer.Job{ID: transfer.JobID(i + 1), Kind: transfer.UploadTree, Repo: acme, Local: "/home/me/up",
				Remote: "up", State: transfer.Running, Bytes: done << 10 / int64(jobs), TotalBytes: files << 10 / int64(jobs),
				Files: done / int64(jobs), TotalFiles: files / int64(jobs), Attempt: 1}
			if s == steps {
				j.State = transfer.Done
			}
			u.Jobs = append(u.Jobs, j)
		}
		if s%20 == 0 {
			u.Affected = []transfer.Affected{{Repo: acme, Folder: "up"}, {Repo: acme, Folder: ""}}
		}
		if s == steps {
			u.Totals.Running, u.Totals.Done, u.Totals.Idle = 0, jobs, true
		}
		us = append(us, u)
	}
	return us
}

// benchKeysDuringUpload measures how soon a key is answered while an
// upload of 10,000 files reports progress: each sample is one progress
// Update, then one key press, then the frame (Update, Update, View), as a
// key that arrives just after an Update waits for it. The folder being
// uploaded into holds 10,000 files and is open, so the reloads that
// follow the metadata flushes list it again; each of their pages is
// timed too, with its frame.
func benchKeysDuringUpload(b *testing.B, jobs int, panel bool) {
	s := newTestStore(1000)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	s.Synthesize(acme, "up", 10_000)
	f := &fakeTransfers{}
	h := newHarness(b, s, Options{StartAt: "acme/data/up/file-0000000.dat", Transfers: f})
	h.send(tea.WindowSizeMsg{Width: 160, Height: 50})
	h.settle()
	if n := len(h.m.tree.t.rows); n != 10_001 {
		b.Fatalf("%d rows", n)
	}
	if panel {
		h.press("t")
	}
	updates := uploadUpdates(jobs)
	keys := []tea.KeyPressMsg{keyMsg("down"), keyMsg("down"), keyMsg("up"), keyMsg("pgdown"), keyMsg("pgup")}
	var keySamples, pageSamples []time.Duration
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		u := updates[i%len(updates)]
		if i%len(updates) == 0 && i > 0 {
			h.m.xfer.jobs, h.m.xfer.at = nil, map[transfer.JobID]int{} // a fresh upload
		}
		t0 := time.Now()
		_, cmd := h.m.Update(transferMsg{u})
		_, kcmd := h.m.Update(keys[i%len(keys)])
		_ = h.m.View()
		keySamples = append(keySamples, time.Since(t0))
		i++
		// The commands run off the Update loop; their results are
		// messages like any other, each followed by a frame.
		b.StopTimer()
		h.enqueue(cmd)
		h.enqueue(kcmd)
		for len(h.queue) > 0 {
			c := h.queue[0]
			h.queue = h.queue[1:]
			msg := c()
			if batch, ok := msg.(tea.BatchMsg); ok {
				for _, c := range batch {
					h.enqueue(c)
				}
				continue
			}
			if _, tick := msg.(spinner.TickMsg); tick || msg == nil {
				continue // the spinner's timer would block here
			}
			b.StartTimer()
			t0 := time.Now()
			_, c2 := h.m.Update(msg)
			_ = h.m.View()
			pageSamples = append(pageSamples, time.Since(t0))
			b.StopTimer()
			h.enqueue(c2)
		}
		b.StartTimer()
	}
	report := func(name string, ds []time.Duration) {
		if len(ds) == 0 {
			return
		}
		slices.Sort(ds)
		b.ReportMetric(float64(ds[len(ds)*99/100])/1e6, name+"-p99-ms")
		b.ReportMetric(float64(ds[len(ds)-1])/1e6, name+"-max-ms")
	}
	report("key", keySamples)
	report("msg", pageSamples)
}

// BenchmarkKeysDuringUpload10k: one folder upload of 10,000 files, tree shown.
func BenchmarkKeysDuringUpload10k(b *testing.B) { benchKeysDuringUpload(b, 1, false) }

// BenchmarkKeysDuringUpload10kPanel: the same, with the transfers panel open.
func BenchmarkKeysDuringUpload10kPanel(b *testing.B) { benchKeysDuringUpload(b, 1, true) }

// BenchmarkKeysDuringUpload10kJobs: 10,000 one-file jobs, each changed in
// every Update, with the transfers panel open.
func BenchmarkKeysDuringUpload10kJobs(b *testing.B) { benchKeysDuringUpload(b, 10_000, true) }
