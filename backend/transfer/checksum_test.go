package transfer

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
)

// Checksums other tools record: the same SHA-256 as bare hex (any case)
// passes; a checksum of another algorithm is not checkable by coop, and
// the download proceeds and says so; a bare hex SHA-256 that differs is
// still a mismatch.
func TestDownloadReadsChecksumsOtherToolsRecord(t *testing.T) {
	files := map[string][]byte{"s.txt": []byte("small"), "t.txt": content("t", 70_000)}
	cases := []struct {
		name      string
		edit      func(m *backend.ObjectMeta)
		state     State
		unchecked bool // on a store that keeps no SHA-256 of its own (local)
	}{
		{"bare upper-case hex", func(m *backend.ObjectMeta) {
			m.Checksum = strings.ToUpper(strings.TrimPrefix(m.Checksum, "sha256:"))
		}, Done, false},
		{"upper-case prefix", func(m *backend.ObjectMeta) {
			m.Checksum = "SHA256:" + strings.TrimPrefix(m.Checksum, "sha256:")
		}, Done, false},
		{"another algorithm", func(m *backend.ObjectMeta) {
			m.Checksum = "md5:5d41402abc4b2a76b9719d911017c592"
		}, Done, true},
		{"a multipart ETag", func(m *backend.ObjectMeta) {
			m.Checksum = "9b2cf535f27731c974343645a3985328-3"
		}, Done, true},
		{"bare hex that differs", func(m *backend.ObjectMeta) {
			m.Checksum = strings.TrimPrefix(sha([]byte("something else")), "sha256:")
		}, Failed, false},
	}
	eachBackend(t, func(t *testing.T, e *env) {
		src := t.TempDir()
		writeFiles(t, src, files)
		q := newQueue(t, e, Options{})
		wantState(t, q, run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "d", Policy: Overwrite})[0], Done)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				editEntries(t, e, func(m *backend.ObjectMeta) {
					// Reset to coop's own record, then spell it as the case says,
					// with no CRC-32C (other tools write none).
					for _, b := range files { // the two files differ in size
						if m.Size == int64(len(b)) {
							m.Checksum = sha(b)
						}
					}
					m.CRC32C = ""
					c.edit(m)
				})
				dst := t.TempDir()
				j := run(t, q, Spec{Kind: DownloadTree, Repo: testRepo, Local: dst, Remote: "d"})[0]
				wantState(t, q, j, c.state)
				if c.state == Failed {
					errs := q.ItemErrors(j.ID)
					if len(errs) != 2 || !errors.Is(errs[0], ErrChecksum) {
						t.Errorf("item errors %v, want two checksum mismatches", errs)
					}
					return
				}
				sameFiles(t, dst, files)
				// The store's own SHA-256 (S3's full-object checksum) is checked
				// when the recorded one cannot be; the local store keeps none.
				want := int64(0)
				if c.unchecked && e.name == "local" {
					want = 2
				}
				if j.Unchecked != want {
					t.Errorf("Unchecked = %d, want %d", j.Unchecked, want)
				}
			})
		}
	})
}

// The same content's SHA-256 compares equal however it is written, and a
// checksum coop cannot read is never a mismatch.
func TestDownloadNeverReportsAFalseMismatch(t *testing.T) {
	e := newLocal(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{"a": []byte("a")})
	q := newQueue(t, e, Options{})
	wantState(t, q, run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: dir, Remote: "d"})[0], Done)
	editEntries(t, e, func(m *backend.ObjectMeta) { m.CRC32C, m.Checksum = "", "crc64nvme:AAAAAAAAAAA=" })
	dst := t.TempDir()
	j := run(t, q, Spec{Kind: DownloadTree, Repo: testRepo, Local: dst, Remote: "d"})[0]
	wantState(t, q, j, Done)
	if b, err := os.ReadFile(dst + "/a"); err != nil || string(b) != "a" {
		t.Errorf("download: %q %v", b, err)
	}
}
