package transfer

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/backendtest"
)

// Specs that can never run are refused at Submit.
func TestSubmitRefusesBadSpecs(t *testing.T) {
	q := newQueue(t, newLocal(t), Options{})
	for _, s := range []Spec{
		{Kind: UploadFile, Repo: testRepo, Local: "x", Remote: "../x"},
		{Kind: UploadFile, Repo: testRepo, Local: "x", Remote: "a/\x1b[2J"},
		{Kind: UploadFile, Repo: testRepo, Local: "x", Remote: ""},
		{Kind: DeleteFile, Repo: testRepo, Remote: "a/../../b"},
		{Kind: DownloadFile, Repo: testRepo, Remote: "a"},
		{Kind: UploadTree, Repo: backend.RepoRef{AccountID: "bad/id", RepositoryID: "data"}, Local: "x"},
		{Kind: Kind(99), Repo: testRepo},
		{Kind: DeleteFile, Repo: testRepo, Remote: "a", Policy: Policy(9)},
	} {
		if _, err := q.Submit(s); !errors.Is(err, backend.ErrInvalid) {
			t.Errorf("Submit(%+v) = %v, want ErrInvalid", s, err)
		}
	}
	if len(q.Jobs()) != 0 {
		t.Errorf("refused specs left jobs: %v", q.Jobs())
	}
}

// Bad input fails the files it concerns, each with a clear reason; the
// rest of the job goes on, and nothing half-written is left.
func TestBadInputFailsOnlyItsFiles(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		src := t.TempDir()
		writeFiles(t, src, map[string][]byte{"ok/a.txt": []byte("a"), "ok/b.txt": []byte("b"), "dir/c.txt": []byte("c")})
		mustDo(t, syscall.Mkfifo(filepath.Join(src, "ok", "pipe"), 0o644))
		mustDo(t, os.WriteFile(filepath.Join(src, "ok", "ctl\x01name"), []byte("x"), 0o644))
		mustDo(t, os.WriteFile(filepath.Join(src, "ok", `back\slash`), []byte("x"), 0o644))
		mustDo(t, os.Symlink(filepath.Join(src, "dir"), filepath.Join(src, "ok", "link-to-dir")))
		mustDo(t, os.Symlink(filepath.Join(src, "dir", "c.txt"), filepath.Join(src, "ok", "link-to-file")))
		q := newQueue(t, e, Options{})

		j := run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: filepath.Join(src, "ok"), Remote: "in"})[0]
		wantState(t, q, j, Failed)
		reasons := map[string]string{}
		for _, ie := range q.ItemErrors(j.ID) {
			reasons[filepath.Base(ie.Path)] = ie.Err.Error()
			if !ie.Local {
				t.Errorf("%s: a problem of the local file should name the local path", ie)
			}
		}
		for name, want := range map[string]string{
			"pipe": "not a regular file", "ctl\x01name": "control character", `back\slash`: "backslash",
			"link-to-dir": "symlink to a folder",
		} {
			if !strings.Contains(reasons[name], want) {
				t.Errorf("%q: reason %q, want it to say %q", name, reasons[name], want)
			}
		}
		objs := checkMetadata(t, e.store, testRepo)
		if len(objs) != 3 || string(objs["in/link-to-file"]) != "c" {
			t.Errorf("stored %v, want a.txt, b.txt and the file behind link-to-file", slicesOf(objs))
		}

		j = run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: filepath.Join(src, "missing"), Remote: "m"})[0]
		wantState(t, q, j, Failed)
		if !errors.Is(j.Err, backend.ErrNotFound) || !strings.Contains(j.Err.Error(), "missing") {
			t.Errorf("missing source: %v", j.Err)
		}
		nope := backend.RepoRef{AccountID: "acme", RepositoryID: "nope"}
		j = run(t, q, Spec{Kind: UploadTree, Repo: nope, Local: filepath.Join(src, "dir"), Remote: ""})[0]
		wantState(t, q, j, Failed)
		if !errors.Is(j.Err, backend.ErrNotFound) {
			t.Errorf("missing repository: %v", j.Err)
		}
		if _, err := e.store.GetRepository(t.Context(), "acme", "nope"); !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("an upload to a missing repository made it: %v", err)
		}
		j = run(t, q, Spec{Kind: DownloadFile, Repo: testRepo, Local: filepath.Join(t.TempDir(), "x"), Remote: "in/none"})[0]
		wantState(t, q, j, Failed)
		if !errors.Is(j.Err, backend.ErrNotFound) {
			t.Errorf("download of a missing object: %v", j.Err)
		}
		j = run(t, q, Spec{Kind: DeleteFile, Repo: testRepo, Remote: "in/none"})[0]
		wantState(t, q, j, Failed)
		if !errors.Is(j.Err, backend.ErrNotFound) {
			t.Errorf("delete of a missing object: %v", j.Err)
		}
		checkMetadata(t, e.store, testRepo)
	})
}

// A source file that changes while it is read fails with ErrChanged, and
// the store keeps nothing of it.
func TestChangingSourceIsNotStored(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	mustDo(t, os.WriteFile(p, content("f", 100_000), 0o644))
	f, err := os.Open(p)
	mustDo(t, err)
	defer f.Close()
	q := newQueue(t, newLocal(t), Options{})
	j := newJob(q, 1, Spec{})
	src, err := newSource(f, j)
	mustDo(t, err)
	if _, err := io.CopyN(io.Discard, src, 50_000); err != nil {
		t.Fatal(err)
	}
	mustDo(t, os.WriteFile(p, content("g", 100_001), 0o644))
	if _, err := io.Copy(io.Discard, src); !errors.Is(err, ErrChanged) {
		t.Fatalf("reading a file that grew: %v, want ErrChanged", err)
	}

	// End to end, on S3 slowed down so the change lands mid-upload.
	e := newAWS(t)
	big := filepath.Join(dir, "big")
	mustDo(t, os.WriteFile(big, content("big", 24<<20), 0o644))
	e.proxy.SetRate(8 << 20)
	q = newQueue(t, e, Options{})
	id, err := q.Submit(Spec{Kind: UploadFile, Repo: testRepo, Local: big, Remote: "big"})
	mustDo(t, err)
	waitFor(t, q, id, func(j Job) bool { return j.Bytes > 0 })
	af, err := os.OpenFile(big, os.O_APPEND|os.O_WRONLY, 0)
	mustDo(t, err)
	_, err = af.WriteString("more")
	mustDo(t, err)
	mustDo(t, af.Close())
	got := waitFor(t, q, id, func(j Job) bool { return j.State.Final() })
	wantState(t, q, got, Failed)
	if !errors.Is(got.Err, ErrChanged) {
		t.Errorf("upload of a changing file: %v, want ErrChanged", got.Err)
	}
	if _, err := e.store.StatObject(t.Context(), testRepo, "big"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("the changing file was stored: %v", err)
	}
	if n := leftovers(t, e, ""); n != 0 {
		t.Errorf("%d unfinished uploads left", n)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A download whose content does not match the checksums recorded for it
// fails and writes nothing (small files in one stream, large ones in
// ranges): checked by the CRC-32C that coop records, or by the SHA-256
// alone in entries other tools wrote.
func TestDownloadChecksIntegrity(t *testing.T) {
	files := map[string][]byte{"s.txt": []byte("small"), "b.bin": content("b", 40<<20)}
	cases := []struct {
		name string
		// spoil makes the stored content and its entry disagree.
		spoil func(t *testing.T, e *env)
	}{
		{"object replaced behind the metadata's back", func(t *testing.T, e *env) {
			for p, b := range files {
				other := bytes.Clone(b)
				other[len(other)/2] ^= 0x40 // same size, one bit off
				_, err := e.store.PutObject(t.Context(), testRepo, "d/"+p, bytes.NewReader(other), int64(len(other)))
				mustDo(t, err)
			}
		}},
		{"recorded CRC-32C differs", func(t *testing.T, e *env) {
			editEntries(t, e, func(m *backend.ObjectMeta) { m.CRC32C = "0badc0de" })
		}},
		{"recorded SHA-256 differs, no CRC-32C recorded", func(t *testing.T, e *env) {
			editEntries(t, e, func(m *backend.ObjectMeta) {
				m.CRC32C = ""
				m.Checksum = sha([]byte("something else"))
			})
		}},
	}
	eachBackend(t, func(t *testing.T, e *env) {
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				src := t.TempDir()
				writeFiles(t, src, files)
				q := newQueue(t, e, Options{})
				wantState(t, q, run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "d", Policy: Overwrite})[0], Done)
				// Untouched, the download passes its check.
				good := t.TempDir()
				wantState(t, q, run(t, q, Spec{Kind: DownloadTree, Repo: testRepo, Local: good, Remote: "d"})[0], Done)
				sameFiles(t, good, files)
				c.spoil(t, e)
				dst := t.TempDir()
				j := run(t, q, Spec{Kind: DownloadTree, Repo: testRepo, Local: dst, Remote: "d"})[0]
				wantState(t, q, j, Failed)
				errs := q.ItemErrors(j.ID)
				if len(errs) != 2 || !errors.Is(errs[0], ErrChecksum) || !errors.Is(errs[1], ErrChecksum) {
					t.Errorf("case %d: item errors %v, want two checksum mismatches", i, errs)
				}
				if ents, _ := os.ReadDir(dst); len(ents) != 0 {
					t.Errorf("a download that failed its check left %v", ents)
				}
				if j.Bytes != 0 {
					t.Errorf("failed downloads still count %d bytes of progress", j.Bytes)
				}
			})
		}
	})
}

// editEntries changes the metadata entries of the files under d/.
func editEntries(t *testing.T, e *env, edit func(*backend.ObjectMeta)) {
	t.Helper()
	backendtest.Edit(t, e.store, testRepo, func(m *backend.SourceMetadata) {
		for p, entry := range m.Objects {
			if strings.HasPrefix(p, "d/") && entry.Type == backend.TypeFile {
				edit(&entry)
				m.Objects[p] = entry
			}
		}
	})
}
