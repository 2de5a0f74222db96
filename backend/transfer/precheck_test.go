package transfer

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
)

// A large upload to a name that is taken asks the store beside the
// upload, not before it, whether the name is taken: the answer stops the
// upload, which ends as a conflict under the Fail policy, leaving the
// object there as it was, no multipart upload behind and no metadata
// entry for it.
func TestLargeUploadToATakenNameStops(t *testing.T) {
	t.Parallel()
	e := newAWS(t)
	const old = "the object already there\n"
	if _, err := e.store.PutObject(t.Context(), testRepo, "big.bin", strings.NewReader(old), int64(len(old))); err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	writeFiles(t, src, map[string][]byte{"big.bin": content("big", precheckSize+(8<<20)+3)})
	// Each part takes seconds: the name's check answers long before the
	// upload could finish.
	e.proxy.SetRate(4 << 20)
	q := newQueue(t, e, Options{})
	j := run(t, q, Spec{Kind: UploadFile, Repo: testRepo, Local: filepath.Join(src, "big.bin"), Remote: "big.bin", Policy: Fail})[0]
	wantState(t, q, j, Failed)
	errs := q.ItemErrors(j.ID)
	if len(errs) != 1 || !errors.Is(errs[0], ErrWouldOverwrite) {
		t.Fatalf("item errors %v, want one ErrWouldOverwrite", errs)
	}
	e.proxy.SetRate(0)
	rc, _, err := e.store.GetObject(t.Context(), testRepo, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(got) != old {
		t.Errorf("the object is now %d bytes (%v), want the old %q", len(got), err, old)
	}
	if n := e.proxy.Count("CompleteMultipartUpload"); n != 0 {
		t.Errorf("%d multipart uploads completed, want none", n)
	}
	aborted, err := backend.CapabilitiesOf(e.store).CleanIncomplete.CleanIncomplete(t.Context(), testRepo, "", true, 0)
	if err != nil || aborted != 0 {
		t.Errorf("%d unfinished multipart uploads left behind (%v), want none", aborted, err)
	}
}
