package tui

import (
	"context"
	"maps"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/transfer"
)

// Transfers is what the browser needs of a transfer queue: submit jobs,
// steer them and follow their progress. FromQueue adapts a
// *transfer.Queue; tests use a fake. Its methods must not block on I/O,
// since Update calls them.
type Transfers interface {
	Submit(transfer.Spec) (transfer.JobID, error)
	Cancel(transfer.JobID)
	CancelAll()
	Retry(transfer.JobID) error
	Decide(transfer.JobID, transfer.Decision) error
	ItemErrors(transfer.JobID) []transfer.ItemError
	ClearFinished()
	// Subscribe starts a subscription whose first Update holds every job.
	Subscribe() Updates
}

// Updates is a subscription to a queue's changes (see
// transfer.Subscription): Next blocks until something changed, at most
// about 20 times a second, and returns everything that changed since.
type Updates interface {
	Next(ctx context.Context) (transfer.Update, error)
	Close()
}

// FromQueue adapts q for Options.Transfers.
func FromQueue(q *transfer.Queue) Transfers { return queueTransfers{q} }

type queueTransfers struct{ *transfer.Queue }

// Subscribe implements Transfers.
func (q queueTransfers) Subscribe() Updates { return q.Queue.Subscribe() }

// reloadEvery is how often folders changed by a long job are reloaded
// while it runs; a job's folders are reloaded at once when it finishes.
const reloadEvery = 5 * time.Second

// transferMsg is one coalesced Update of the session's subscription.
type transferMsg struct{ u transfer.Update }

// conflictKey names one question of the overwrite dialog, so that an
// Update built before the answer reached the queue does not ask it again.
type conflictKey struct {
	job     transfer.JobID
	attempt int
	path    string
}

// transfers is the browser's view of the queue: the jobs as last
// reported, the questions answered, and the folders waiting to be
// reloaded. The root keeps it; the panel and the dialogs read it.
type transfers struct {
	q       Transfers
	sub     Updates
	jobs    []transfer.Job // in id (submission) order
	at      map[transfer.JobID]int
	totals  transfer.Totals
	waiting map[transfer.JobID]struct{} // jobs in NeedsDecision
	asked   map[conflictKey]bool        // questions answered

	stale      map[backend.RepoRef]map[string]struct{} // folders to reload
	staleSince time.Time

	home string // the user's home folder, for ~ in paths
	cwd  string // the working folder, where downloads go by default
}

func newTransfers(q Transfers) *transfers {
	return &transfers{
		q:       q,
		sub:     q.Subscribe(),
		at:      map[transfer.JobID]int{},
		waiting: map[transfer.JobID]struct{}{},
		asked:   map[conflictKey]bool{},
		stale:   map[backend.RepoRef]map[string]struct{}{},
	}
}

// waitTransfers blocks in Next in a command; the message re-arms it.
func waitTransfers(ctx context.Context, sub Updates) tea.Cmd {
	return func() tea.Msg {
		u, err := sub.Next(ctx)
		if err != nil {
			sub.Close() // the session or the queue has ended
			return nil
		}
		return transferMsg{u}
	}
}

// merge puts fresh job snapshots in place and reports whether any job
// reached a final state.
func (x *transfers) merge(jobs []transfer.Job) (finished bool) {
	sorted := true
	for _, j := range jobs {
		i, ok := x.at[j.ID]
		if ok {
			finished = finished || (!x.jobs[i].State.Final() && j.State.Final())
			x.jobs[i] = j
		} else {
			finished = finished || j.State.Final()
			if n := len(x.jobs); n > 0 && x.jobs[n-1].ID > j.ID {
				sorted = false
			}
			x.at[j.ID] = len(x.jobs)
			x.jobs = append(x.jobs, j)
		}
		if j.State == transfer.NeedsDecision {
			x.waiting[j.ID] = struct{}{}
		} else {
			delete(x.waiting, j.ID)
		}
		if j.State.Final() {
			for k := range x.asked {
				if k.job == j.ID {
					delete(x.asked, k)
				}
			}
		}
	}
	if !sorted {
		slices.SortFunc(x.jobs, func(a, b transfer.Job) int { return int(a.ID) - int(b.ID) })
		x.reindex()
	}
	return finished
}

func (x *transfers) reindex() {
	clear(x.at)
	for i, j := range x.jobs {
		x.at[j.ID] = i
	}
}

// submit queues spec and shows the job at once, before the queue reports it.
func (x *transfers) submit(spec transfer.Spec) error {
	id, err := x.q.Submit(spec)
	if err != nil {
		return err
	}
	x.merge([]transfer.Job{{ID: id, Kind: spec.Kind, Repo: spec.Repo, Local: spec.Local, Remote: spec.Remote,
		State: transfer.Queued, Policy: spec.Policy, Counting: true, Attempt: 1, Submitted: time.Now()}})
	return nil
}

// active counts the jobs that are not finished.
func (x *transfers) active() int {
	n := 0
	for _, j := range x.jobs {
		if !j.State.Final() {
			n++
		}
	}
	return n
}

// clearFinished forgets finished jobs, here and in the queue.
func (x *transfers) clearFinished() {
	x.q.ClearFinished()
	x.jobs = slices.DeleteFunc(x.jobs, func(j transfer.Job) bool { return j.State.Final() })
	x.reindex()
}

// question returns the oldest job waiting for an overwrite decision that
// has not been answered yet.
func (x *transfers) question() (transfer.Job, bool) {
	best, found := transfer.Job{}, false
	for id := range x.waiting {
		j := x.jobs[x.at[id]]
		if j.Conflict == "" || x.asked[conflictKey{j.ID, j.Attempt, j.Conflict}] {
			continue
		}
		if !found || j.ID < best.ID {
			best, found = j, true
		}
	}
	return best, found
}

// note records an Update: the jobs and totals it reports, and the
// folders it changed. It reports whether the folders changed so far
// should be reloaded now: a job finished, the queue is idle, or a long
// job has been changing them for reloadEvery.
func (x *transfers) note(u transfer.Update) (reload bool) {
	x.totals = u.Totals
	finished := x.merge(u.Jobs)
	for _, a := range u.Affected {
		set := x.stale[a.Repo]
		if set == nil {
			set = map[string]struct{}{}
			x.stale[a.Repo] = set
		}
		if len(x.stale) == 1 && len(set) == 0 {
			x.staleSince = time.Now()
		}
		set[a.Folder] = struct{}{}
	}
	return len(x.stale) > 0 && (finished || u.Totals.Idle || time.Since(x.staleSince) >= reloadEvery)
}

// takeStale returns the folders changed since the last reload, by
// repository, parents first, and forgets them.
func (x *transfers) takeStale() map[backend.RepoRef][]string {
	out := make(map[backend.RepoRef][]string, len(x.stale))
	for repo, set := range x.stale {
		out[repo] = slices.Sorted(maps.Keys(set))
	}
	clear(x.stale)
	return out
}

// answer records that the question about j's conflict was answered and
// tells the queue d.
func (x *transfers) answer(j transfer.Job, d transfer.Decision) error {
	x.asked[conflictKey{j.ID, j.Attempt, j.Conflict}] = true
	return x.q.Decide(j.ID, d)
}
