// Package transfer is coop's queue of uploads, downloads and deletes: the
// command line's upload, download and rm, and the browser's transfers.
//
// A Queue runs jobs (Spec: upload a file or a folder tree, download a file
// or a folder, delete an object or a folder recursively) on a bounded pool
// of workers over one backend.Store. Large files move in parallel parts,
// deletes go in batches, passing failures are retried with back-off, and
// jobs can be cancelled (Cancel, CancelAll) and retried (Retry). A file
// that would replace an existing one follows the job's Policy; under Ask
// the job waits in NeedsDecision for Decide. A folder delete may be held
// to the objects a user confirmed (Spec.Confirmed): what appeared in the
// folder since is left in place.
//
// Every change to a repository's objects is recorded in its
// .source-metadata.json by one writer per repository, in batches (by count
// and about once a second), through the store's UpdateMetadata, which
// guards against other writers, other processes included. When the queue
// is idle the metadata matches the objects.
//
// Front ends follow the queue through a Subscription: Next returns, at
// most once per update interval (20 a second by default) however many jobs
// run, the jobs that changed, new failures, and the folders whose own
// listings changed (Affected; not their ancestors), so a Bubble Tea
// program drains it with one re-armed command and its Update never
// blocks. Queue methods never do I/O on the caller's goroutine.
//
// transfer never imports tui.
package transfer
