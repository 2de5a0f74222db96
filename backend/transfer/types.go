package transfer

import (
	"fmt"
	"time"

	"github.com/coopterm/coop/backend"
)

// JobID names a job for the lifetime of its Queue; ids grow in the order
// jobs are submitted.
type JobID uint64

// Kind is what a job does.
type Kind int

// The kinds of job a Queue runs.
const (
	// UploadFile stores the local file Spec.Local as Spec.Remote.
	UploadFile Kind = iota + 1
	// UploadTree stores every file under the local folder Spec.Local
	// under the repository folder Spec.Remote, keeping relative paths.
	UploadTree
	// DownloadFile writes the object Spec.Remote to the local file Spec.Local.
	DownloadFile
	// DownloadTree writes every object under the repository folder
	// Spec.Remote into the local folder Spec.Local, keeping relative paths.
	DownloadTree
	// DeleteFile removes the object Spec.Remote.
	DeleteFile
	// DeleteTree removes the folder Spec.Remote and everything under it.
	DeleteTree
)

// String names the kind for status lines.
func (k Kind) String() string {
	switch k {
	case UploadFile, UploadTree:
		return "upload"
	case DownloadFile, DownloadTree:
		return "download"
	case DeleteFile, DeleteTree:
		return "delete"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// State is where a job is in its life.
type State int

// Job states. Done, Failed and Cancelled are final until Retry.
const (
	// Queued jobs wait for a worker.
	Queued State = iota
	// Running jobs have work in progress.
	Running
	// NeedsDecision jobs hold a file that would replace an existing one
	// and wait for Queue.Decide; the rest of the job goes on meanwhile.
	NeedsDecision
	// Done jobs finished with no failure (some files may be skipped).
	Done
	// Failed jobs finished with at least one failed file; Job.Err says
	// why, ItemErrors list each. Retry runs what failed again.
	Failed
	// Cancelled jobs were stopped by Cancel or CancelAll.
	Cancelled
)

// String names the state for status lines.
func (s State) String() string {
	switch s {
	case Queued:
		return "queued"
	case Running:
		return "running"
	case NeedsDecision:
		return "needs decision"
	case Done:
		return "done"
	case Failed:
		return "failed"
	case Cancelled:
		return "cancelled"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// Final reports whether the job has finished (until a Retry).
func (s State) Final() bool { return s == Done || s == Failed || s == Cancelled }

// Policy says what to do when a file would replace an existing one (an
// object, for uploads; a local file, for downloads).
type Policy int

// Conflict policies.
const (
	// Ask parks the file and puts the job in NeedsDecision until
	// Queue.Decide answers. For the browser.
	Ask Policy = iota
	// Fail fails that file with ErrWouldOverwrite. The command line's default.
	Fail
	// Overwrite replaces the existing file.
	Overwrite
	// Skip leaves the existing file and counts the new one as skipped.
	Skip
)

// Decision answers a job in NeedsDecision.
type Decision int

// Decisions. The "All" ones apply to every file, of every unfinished job,
// that would replace an existing one, now and until those jobs finish.
const (
	// DecideOverwrite replaces the one file asked about.
	DecideOverwrite Decision = iota + 1
	// DecideSkip skips the one file asked about.
	DecideSkip
	// DecideOverwriteAll replaces it and every other such file.
	DecideOverwriteAll
	// DecideSkipAll skips it and every other such file.
	DecideSkipAll
	// DecideCancel cancels the job.
	DecideCancel
)

// Spec describes a job to submit.
type Spec struct {
	Kind Kind
	// Repo is the repository written to or read from.
	Repo backend.RepoRef
	// Local is a path on this machine: the source of an upload, the
	// destination of a download, unused by deletes.
	Local string
	// Remote is a path in the repository ("" is the root, for tree jobs).
	Remote string
	// Policy applies when a file would replace an existing one.
	Policy Policy
	// Confirmed, if set, limits a DeleteTree to the objects a user
	// confirmed (see Confirmed): what appeared under Remote since is
	// left in place. Nil deletes whatever the folder holds.
	Confirmed *Confirmed
	// Object, if set for a DownloadFile or a DeleteFile, is the object at
	// Remote as the caller has just found it (coop download and rm stat
	// it to tell a file from a folder): the job does not look it up
	// again, a round trip saved at a distance. A delete of a known object
	// goes as a batch of one where the store deletes in batches (S3's
	// single delete says nothing of a missing key, hence the lookup
	// otherwise).
	Object *backend.ObjectInfo
	// Prefetch, if set for a download, is its listing and checksums,
	// asked for before the job was submitted (see StartDownload) and
	// taken by its first run. The caller closes it once the job ended.
	Prefetch *Prefetch
	// Listing, if set for a DeleteTree, is the walk of Remote the caller
	// started already (see StartListing): the job deletes what it lists
	// instead of listing the folder again.
	Listing *Listing
}

// Job is a snapshot of one job, as a UI shows it in a row.
type Job struct {
	ID     JobID
	Kind   Kind
	Repo   backend.RepoRef
	Local  string
	Remote string
	State  State
	Policy Policy
	// Bytes of TotalBytes have been transferred (deletes move no bytes).
	Bytes, TotalBytes int64
	// Files of TotalFiles are done (transferred, deleted or skipped).
	Files, TotalFiles int64
	// Skipped and Failed count files skipped and failed so far.
	Skipped, Failed int64
	// Unchecked counts files downloaded whole whose recorded checksum is
	// of an algorithm or form coop cannot check ("md5:…"), and for which
	// the store kept no SHA-256 either: they were not checked.
	Unchecked int64
	// Unmoved is the part of Bytes this run did not move: files skipped
	// as identical to what is there, or done by an earlier run. Rates and
	// "transferred" totals leave it out.
	Unmoved int64
	// Counting is true while a tree job is still finding its files, so
	// its totals may grow.
	Counting bool
	// Active is how long the run has been at work: from Started to
	// Finished (or now), less the time it waited on a Decision with
	// nothing else of it moving.
	Active time.Duration
	// Rate is bytes moved (files, for deletes) per second of Active time,
	// Unmoved left out; ETA is the time left at that rate, 0 if unknown.
	// Both are 0 once the job has finished.
	Rate float64
	ETA  time.Duration
	// Err says why the job failed: its first failure, with a count of
	// the others. Nil unless State is Failed.
	Err error
	// Conflict is the path (in the repository for uploads, on this
	// machine for downloads) waiting for a Decision.
	Conflict string
	// ConflictWith is the file that would replace Conflict: on this
	// machine for uploads, in the repository for downloads.
	ConflictWith string
	// Attempt counts runs: 1, then one more per Retry.
	Attempt                      int
	Submitted, Started, Finished time.Time
}

// ItemError is the failure of one file of a job.
type ItemError struct {
	Job  JobID
	Repo backend.RepoRef
	// Path names the file: in Repo, or, when Local is set, on this
	// machine (an unreadable source file, a download target in the way).
	Path  string
	Local bool
	Err   error
}

// Where names the file for a message: ACCOUNT/REPO/PATH, or the local path.
func (e ItemError) Where() string {
	if e.Local {
		return e.Path
	}
	if e.Path == "" {
		return e.Repo.String()
	}
	return e.Repo.String() + "/" + e.Path
}

// Error renders the failure as "where: reason".
func (e ItemError) Error() string { return e.Where() + ": " + e.Err.Error() }

// Unwrap gives the reason.
func (e ItemError) Unwrap() error { return e.Err }

// Affected is a folder whose listing changed, reported in an Update: a
// browser lists it again once the job finishes. Folder "" is the root.
type Affected struct {
	Repo   backend.RepoRef
	Folder string
}

// Totals sum up the whole queue.
type Totals struct {
	// Jobs counts jobs by state.
	Queued, Running, NeedsDecision, Done, Failed, Cancelled int
	// Bytes of TotalBytes and Files of TotalFiles, over jobs not cleared.
	Bytes, TotalBytes int64
	Files, TotalFiles int64
	// Rate is bytes per second over the last few seconds; ETA the time
	// left for what is known at that rate, 0 if unknown.
	Rate float64
	ETA  time.Duration
	// Idle is true when no job is queued, running or waiting, and every
	// metadata update has been written.
	Idle bool
	// Note says what the queue does besides moving files, when that
	// takes a while (recording the files of a repository that has no
	// metadata document yet); empty otherwise.
	Note string
}

// Update is what a Subscription delivers: everything that changed since
// its previous Update, coalesced.
type Update struct {
	// Jobs holds a fresh snapshot of each job that changed, by ID.
	Jobs []Job
	// Failures are the item failures since the previous Update.
	Failures []ItemError
	// Affected are the folders whose listings changed, each once: the
	// folders holding the objects stored or removed, and the folders
	// holding a folder that appeared or vanished (not every ancestor).
	Affected []Affected
	// Totals are the whole queue's figures now.
	Totals Totals
	// At is when the update was put together: the clock its interval is
	// kept by, whenever the subscriber gets round to reading it.
	At time.Time
}
