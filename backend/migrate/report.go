package migrate

// outcome is what happened to one account, repository, object or entry.
type outcome int

const (
	outcomeCopied outcome = iota
	outcomeSkipped
	outcomeConflict
	outcomeOverwritten
	outcomeFailed
)

// Counts tallies the outcomes of one kind of thing. In a dry run, Copied
// and Overwritten are what would be.
type Counts struct {
	Copied      int64 `json:"copied"`
	Skipped     int64 `json:"skipped"`
	Conflicts   int64 `json:"conflicts"`
	Overwritten int64 `json:"overwritten"`
	Failed      int64 `json:"failed"`
}

func (c *Counts) add(o outcome) {
	switch o {
	case outcomeCopied:
		c.Copied++
	case outcomeSkipped:
		c.Skipped++
	case outcomeConflict:
		c.Conflicts++
	case outcomeOverwritten:
		c.Overwritten++
	case outcomeFailed:
		c.Failed++
	}
}

// RepoReport is what happened to one repository.
type RepoReport struct {
	Repository string `json:"repository"`
	// Item is what happened to the repository's catalog item: copied,
	// skipped, conflict, overwritten or failed.
	Item    string `json:"item"`
	Objects Counts `json:"objects"`
	// Bytes is the size of the objects copied (or to copy); SkippedBytes
	// of those already there.
	Bytes        int64  `json:"bytes"`
	SkippedBytes int64  `json:"skipped_bytes"`
	Metadata     Counts `json:"metadata"`
	// HeadFields are the top-level fields of the metadata file other
	// than coop's own and its entries (fields other tools keep there).
	HeadFields Counts `json:"head_fields"`
	// NoMetadata is set when the source repository has no metadata file.
	NoMetadata bool `json:"no_metadata,omitempty"`
	// Verified and VerifiedBytes count the destination objects read back
	// whose SHA-256 matched the source's; Mismatches those that did not.
	Verified      int64 `json:"verified"`
	VerifiedBytes int64 `json:"verified_bytes"`
	Mismatches    int64 `json:"mismatches"`
}

// Issue is one conflict, mismatch, failure or note, naming its subject.
type Issue struct {
	Kind   string `json:"kind"`   // account, repository, object, metadata
	Target string `json:"target"` // ACCOUNT, ACCOUNT/REPO or ACCOUNT/REPO/PATH
	Reason string `json:"reason"`
}

// Report is what a migration did, or with DryRun would do.
type Report struct {
	DryRun       bool          `json:"dry_run"`
	Verify       bool          `json:"verify"`
	Accounts     Counts        `json:"accounts"`
	Repositories []*RepoReport `json:"repositories"`
	// Totals add up the repositories.
	Objects    Counts  `json:"objects"`
	Bytes      int64   `json:"bytes"`
	Metadata   Counts  `json:"metadata"`
	HeadFields Counts  `json:"head_fields"`
	Verified   int64   `json:"verified"`
	Conflicts  []Issue `json:"conflicts"`
	Mismatches []Issue `json:"mismatches"`
	Failed     []Issue `json:"failed"`
	// Notes are findings that change nothing: a source entry whose
	// checksum differs from the object's content, say.
	Notes   []Issue `json:"notes"`
	Seconds float64 `json:"seconds"`
}

// OK reports whether the migration left nothing to look at: no
// conflict, mismatch or failure.
func (r *Report) OK() bool {
	return len(r.Conflicts) == 0 && len(r.Mismatches) == 0 && len(r.Failed) == 0
}

func (r *Report) repo(name string) *RepoReport {
	rr := &RepoReport{Repository: name}
	r.Repositories = append(r.Repositories, rr)
	return rr
}

func (r *Report) issue(list *[]Issue, kind, target, reason string) {
	*list = append(*list, Issue{Kind: kind, Target: target, Reason: reason})
}

func (r *Report) conflict(kind, target, reason string) { r.issue(&r.Conflicts, kind, target, reason) }
func (r *Report) mismatch(kind, target, reason string) { r.issue(&r.Mismatches, kind, target, reason) }
func (r *Report) failed(kind, target, reason string)   { r.issue(&r.Failed, kind, target, reason) }
func (r *Report) note(kind, target, reason string)     { r.issue(&r.Notes, kind, target, reason) }

// finish adds up the totals.
func (r *Report) finish() {
	r.Objects, r.Metadata, r.HeadFields, r.Bytes, r.Verified = Counts{}, Counts{}, Counts{}, 0, 0
	for _, rr := range r.Repositories {
		addCounts(&r.Objects, rr.Objects)
		addCounts(&r.Metadata, rr.Metadata)
		addCounts(&r.HeadFields, rr.HeadFields)
		r.Bytes += rr.Bytes
		r.Verified += rr.Verified
	}
	for _, l := range []*[]Issue{&r.Conflicts, &r.Mismatches, &r.Failed, &r.Notes} {
		if *l == nil {
			*l = []Issue{}
		}
	}
	if r.Repositories == nil {
		r.Repositories = []*RepoReport{}
	}
}

func addCounts(to *Counts, c Counts) {
	to.Copied += c.Copied
	to.Skipped += c.Skipped
	to.Conflicts += c.Conflicts
	to.Overwritten += c.Overwritten
	to.Failed += c.Failed
}

func (o outcome) String() string {
	return [...]string{"copied", "skipped", "conflict", "overwritten", "failed"}[o]
}
