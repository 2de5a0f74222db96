package transfer

import (
	"fmt"
	"slices"

	"github.com/coopterm/coop/backend"
)

// Confirmed is what a user agreed to delete: the objects a count of a
// folder found (files, and folder markers on stores that keep them), by
// path. Given as Spec.Confirmed, it limits a DeleteTree job to them:
// objects that appeared after the count are left in place, and the job
// fails with a NotConfirmedError saying how many.
//
// Fill it with Add while counting, then Seal it before submitting; one
// sealed set may serve several jobs (the folders of one confirmation).
// Each path is held once, in one sorted slice: a folder of 100,000
// objects costs a few MB.
type Confirmed struct {
	keys   []string
	sealed bool
}

// Add records an object of a count, as backend.Walk lists it. It must not
// be called once the set is sealed and submitted.
func (c *Confirmed) Add(e backend.Entry) {
	c.keys = append(c.keys, confirmKey(e))
	c.sealed = false
}

// Seal sorts the set for lookups. A Spec with a set not sealed is refused.
func (c *Confirmed) Seal() {
	slices.Sort(c.keys)
	c.keys = slices.Compact(c.keys)
	c.sealed = true
}

// Len is the number of objects in the set, folder markers included.
func (c *Confirmed) Len() int { return len(c.keys) }

// Has reports whether e (as backend.Walk lists it) is in the sealed set.
func (c *Confirmed) Has(e backend.Entry) bool {
	_, ok := slices.BinarySearch(c.keys, confirmKey(e))
	return ok
}

// confirmKey names an entry in the set: a folder marker gets a trailing
// slash, so that it is never taken for a file of the same name.
func confirmKey(e backend.Entry) string {
	if e.IsDir() {
		return e.Path + "/"
	}
	return e.Path
}

// NotConfirmedError is the failure of a DeleteTree job limited by
// Spec.Confirmed that found objects the confirmation did not cover: they
// appeared after the count, and were left in place.
type NotConfirmedError struct {
	// Objects and Folders count the files and the folder markers left.
	Objects, Folders int64
}

// Error says what was left, as "3 objects appeared after the
// confirmation and were left in place".
func (e *NotConfirmedError) Error() string {
	what, many := "", e.Objects+e.Folders > 1
	switch {
	case e.Objects > 0 && e.Folders > 0:
		what = nouns(e.Objects, "object") + " and " + nouns(e.Folders, "folder")
	case e.Folders > 0:
		what = nouns(e.Folders, "folder")
	default:
		what = nouns(e.Objects, "object")
	}
	verb := "was"
	if many {
		verb = "were"
	}
	return what + " appeared after the confirmation and " + verb + " left in place"
}

// nouns is "1 object", "3 objects".
func nouns(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
