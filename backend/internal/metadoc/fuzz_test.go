package metadoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

// FuzzDecodeMetadata checks the streaming decoder against the plain one
// (encoding/json into backend.SourceMetadata) on any input: it accepts a
// document exactly when the plain decoder does (but for the one case it
// refuses on purpose, objects given twice), reads the same entries and
// head, never panics, and what it writes back reads the same again. The
// seed corpus is in testdata/fuzz/FuzzDecodeMetadata; make test runs it
// briefly.
func FuzzDecodeMetadata(f *testing.F) {
	f.Add([]byte(`{"objects": {"a": {"id": "1", "type": "file", "size": 1}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Load(bytes.NewReader(data))
		var want backend.SourceMetadata
		perr := json.Unmarshal(data, &want)
		switch {
		case err != nil && !errors.Is(err, ErrSyntax):
			t.Fatalf("error that is not about the text: %v", err)
		case perr != nil && err == nil:
			t.Fatalf("accepted what the plain decoder refuses (%v)", perr)
		case perr == nil && err != nil:
			if objectsTwice(data) {
				return // refused on purpose
			}
			t.Fatalf("refused what the plain decoder reads: %v", err)
		case err != nil:
			return
		}
		same(t, d, want)
		var out bytes.Buffer
		w, err := NewWriter(&out, backend.RepoRef{AccountID: "a", RepositoryID: "r"}, time.Unix(0, 0), d.Head)
		if err != nil {
			t.Fatal(err)
		}
		if err := Merge(w, d.Source(), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Close(); err != nil {
			t.Fatal(err)
		}
		var again backend.SourceMetadata
		if err := json.Unmarshal(out.Bytes(), &again); err != nil {
			t.Fatalf("what coop wrote is not JSON: %v\n%s", err, out.Bytes())
		}
		d2, err := Load(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("what coop wrote does not read back: %v", err)
		}
		same(t, d2, again)
		if !slices.Equal(d2.keys, d.keys) {
			t.Fatalf("entries %q written as %q", d.keys, d2.keys)
		}
	})
}

// same checks that d read what the plain decoder read into want.
func same(t *testing.T, d *Doc, want backend.SourceMetadata) {
	t.Helper()
	if got := slices.Sorted(maps.Keys(d.raw)); !slices.Equal(got, slices.Sorted(maps.Keys(want.Objects))) {
		t.Fatalf("paths %q, plain decoder %q", got, slices.Sorted(maps.Keys(want.Objects)))
	}
	for p, m := range want.Objects {
		got, ok, err := d.Entry(p)
		if err != nil || !ok {
			t.Fatalf("entry %q: %v %v", p, ok, err)
		}
		a, _ := got.AppendJSON(nil)
		b, _ := m.AppendJSON(nil)
		if !bytes.Equal(a, b) || got.Problem != m.Problem {
			t.Fatalf("entry %q = %s (%s), plain decoder %s (%s)", p, a, got.Problem, b, m.Problem)
		}
	}
	if d.Head.RepositoryID != want.RepositoryID || d.Head.AccountID != want.AccountID || !d.Head.LastUpdated.Equal(want.LastUpdated) ||
		!slices.Equal(slices.Sorted(maps.Keys(d.Head.Extra)), slices.Sorted(maps.Keys(want.Extra))) {
		t.Fatalf("head %+v, plain decoder %+v", d.Head, want.Head())
	}
}

// objectsTwice reports whether the top level of a JSON object names
// objects more than once.
func objectsTwice(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return false
	}
	n := 0
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return false
		}
		if k == "objects" {
			n++
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return false
		}
	}
	return n > 1
}
