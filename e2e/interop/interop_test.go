package interop

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// seeded is a store as the other tools leave it (see testdata/seed.py),
// plus a multipart object the aws CLI uploaded with a SHA-256 per part.
type seeded struct {
	*store
	objects map[string]struct {
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
	}
	big []byte
}

func seed(t *testing.T) *seeded {
	t.Helper()
	s := &seeded{store: newStore(t)}
	if err := json.Unmarshal([]byte(s.python(t, "seed.py")), &s.objects); err != nil {
		t.Fatalf("seed.py manifest: %v", err)
	}
	s.big = make([]byte, 20<<20) // over the aws CLI's 8 MiB multipart threshold
	_, _ = rand.Read(s.big)
	s.multipart(t, "NASA_Earth/v2.0/big.bin", s.big[:12<<20], s.big[12<<20:])
	return s
}

// multipart uploads key in parts with the aws CLI, a SHA-256 per part, so
// that S3 keeps a composite checksum for it (a checksum of the parts'
// checksums, not of the content).
func (s *seeded) multipart(t *testing.T, key string, parts ...[]byte) {
	t.Helper()
	var up struct{ UploadId string }
	out := s.aws(t, "s3api", "create-multipart-upload", "--bucket", s.bucket, "--key", key, "--checksum-algorithm", "SHA256")
	if err := json.Unmarshal([]byte(out), &up); err != nil {
		t.Fatal(err)
	}
	type part struct {
		PartNumber     int
		ETag           string
		ChecksumSHA256 string
	}
	var done struct{ Parts []part }
	for i, body := range parts {
		f := filepath.Join(t.TempDir(), "part")
		if err := os.WriteFile(f, body, 0o644); err != nil {
			t.Fatal(err)
		}
		var p part
		out := s.aws(t, "s3api", "upload-part", "--bucket", s.bucket, "--key", key, "--upload-id", up.UploadId,
			"--part-number", strconv.Itoa(i+1), "--body", f, "--checksum-algorithm", "SHA256")
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatal(err)
		}
		p.PartNumber = i + 1
		done.Parts = append(done.Parts, p)
	}
	spec, err := json.Marshal(done)
	if err != nil {
		t.Fatal(err)
	}
	s.aws(t, "s3api", "complete-multipart-upload", "--bucket", s.bucket, "--key", key, "--upload-id", up.UploadId,
		"--multipart-upload", string(spec))
}

// TestOtherToolsThenCoopThenOtherTools is the whole round: the other
// tools write, coop reads and writes, the other tools read. Each step is
// one of issue 10's observations.
func TestOtherToolsThenCoopThenOtherTools(t *testing.T) {
	s := seed(t)
	t.Run("items with times other tools write list", s.itemsList)
	t.Run("ids other tools create open", s.idsOpen)
	t.Run("an account of another type opens by id", s.otherTypeOpens)
	t.Run("odd names are listed marked", s.oddNames)
	t.Run("stat checks the object", s.statChecks)
	t.Run("checksums other tools record download", s.checksumsDownload)
	t.Run("a repository's root is not emptied by rm -r", s.rmRoot)
	t.Run("errors name their subject once", s.oneSubject)
	t.Run("coop writes, then the other tools read it", s.coopWrites)
}

// Issue 10.1: one item with an ISO 8601 time that is not RFC 3339 broke
// the whole listing.
func (s *seeded) itemsList(t *testing.T) {
	r := s.coop(t, 0, "ls")
	for _, want := range []string{"NASA_Earth", "NASA Earth", "alice", "garbled"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("ls lacks %q:\n%s", want, r.out)
		}
	}
	var garbled string
	for _, line := range strings.Split(r.out, "\n") {
		if strings.HasPrefix(line, "garbled ") {
			garbled = line
		}
	}
	if !strings.Contains(garbled, "! unreadable: created_at, metadata_public") {
		t.Errorf("the item coop cannot read in full is not marked: %q", garbled)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, `"yesterday"`) {
		t.Errorf("want one warning saying why: %q", r.stderr)
	}
	var accounts []struct {
		ID         string    `json:"account_id"`
		CreatedAt  time.Time `json:"created_at"`
		UpdatedAt  time.Time `json:"updated_at"`
		Unreadable []any     `json:"unreadable"`
	}
	if err := json.Unmarshal([]byte(s.coop(t, 0, "ls", "--json").out), &accounts); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]time.Time{
		"NASA_Earth": {time.Date(2024, 1, 15, 10, 0, 0, 123456000, time.UTC), time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)},
		"alice":      {time.Unix(1705312800, 0), time.UnixMilli(1705312800123)},
	}
	for _, a := range accounts {
		if w, ok := want[a.ID]; ok && (!a.CreatedAt.Equal(w[0]) || !a.UpdatedAt.Equal(w[1]) || len(a.Unreadable) != 0) {
			t.Errorf("%s: created %v, updated %v, unreadable %v; want %v", a.ID, a.CreatedAt, a.UpdatedAt, a.Unreadable, w)
		}
	}
	r = s.coop(t, 0, "ls", "NASA_Earth")
	if !strings.Contains(r.out, "2024-01-15") || !strings.Contains(r.out, "2024-02-01") {
		t.Errorf("repositories with other ISO 8601 times:\n%s", r.out)
	}
}

// Issue 10.5: ids such as NASA_Earth, my_dataset, v2.0 were listed but
// could not be opened.
func (s *seeded) idsOpen(t *testing.T) {
	r := s.coop(t, 0, "ls", "NASA_Earth")
	for _, want := range []string{"NASA_Earth/v2.0", "NASA_Earth/my_dataset"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("ls NASA_Earth lacks %s:\n%s", want, r.out)
		}
	}
	r = s.coop(t, 0, "ls", "NASA_Earth/v2.0")
	for _, want := range []string{"data/", "readme.md", "big.bin"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("ls NASA_Earth/v2.0 lacks %s:\n%s", want, r.out)
		}
	}
	s.coop(t, 0, "ls", "NASA_Earth/my_dataset")
}

// Issue 10.8: an account of a type coop does not know vanished, and
// opening it by id showed nothing.
func (s *seeded) otherTypeOpens(t *testing.T) {
	r := s.coop(t, 0, "ls", "io")
	if !strings.Contains(r.out, "io/stuff") || !strings.Contains(r.stderr, `type "bot"`) {
		t.Errorf("ls io: %s%s", r.out, r.stderr)
	}
	if r := s.coop(t, 0, "stat", "io/stuff/hello.txt"); !strings.Contains(r.out, "6 bytes") {
		t.Errorf("stat io/stuff/hello.txt:\n%s", r.out)
	}
}

// Issue 10.10: keys with odd names were hidden without a word. (versitygw
// keeps keys as files, so "//" and "/./" fold away there; a name with a
// trailing space is what remains to see.)
func (s *seeded) oddNames(t *testing.T) {
	r := s.coop(t, 0, "ls", "NASA_Earth/v2.0/odd")
	if !strings.Contains(r.out, `"trailing.txt "`) || !strings.Contains(r.out, "! spaces at the start or end of the name") {
		t.Errorf("ls of odd names:\n%s", r.out)
	}
	if !strings.Contains(r.stderr, "warning") {
		t.Errorf("no warning for odd names: %q", r.stderr)
	}
}

// Issue 10.6: stat reported an object deleted behind its back as present,
// and the recorded size of one replaced behind its back.
func (s *seeded) statChecks(t *testing.T) {
	if r := s.coop(t, 0, "stat", "NASA_Earth/v2.0/readme.md"); !strings.Contains(r.out, "legacy-readme") {
		t.Errorf("stat readme.md:\n%s", r.out)
	}
	r := s.coop(t, 1, "stat", "NASA_Earth/v2.0/ghost.txt")
	if !strings.Contains(r.stderr, "missing from the store; run coop repo repair NASA_Earth/v2.0") {
		t.Errorf("stat of an object deleted behind the document's back: %q", r.stderr)
	}
	want := s.objects["NASA_Earth/v2.0/replaced.txt"].Size
	r = s.coop(t, 1, "stat", "--json", "NASA_Earth/v2.0/replaced.txt")
	var res struct {
		Object struct {
			Size int64 `json:"size"`
		} `json:"object"`
		Problems []string `json:"problems"`
	}
	if err := json.Unmarshal([]byte(r.out), &res); err != nil || res.Object.Size != want || len(res.Problems) == 0 {
		t.Errorf("stat of a replaced object: %v %+v\n%s", err, res, r.out)
	}
}

// Issue 10.2 and 10.7: a SHA-256 written as bare hex failed the download
// as a mismatch; a checksum of another algorithm is not checkable, and
// says so; a multipart object's composite checksum is not the content's.
func (s *seeded) checksumsDownload(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "data")
	r := s.coop(t, 0, "download", "NASA_Earth/v2.0/data/", dst)
	if !strings.Contains(r.out, "1 file not checkable by coop") {
		t.Errorf("download did not say what it could not check:\n%s", r.out)
	}
	for _, name := range []string{"a.csv", "b.csv"} {
		got, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil || int64(len(got)) != s.objects["NASA_Earth/v2.0/data/"+name].Size {
			t.Errorf("%s: %d bytes, %v", name, len(got), err)
		}
	}
	big := filepath.Join(t.TempDir(), "big.bin")
	s.coop(t, 0, "download", "NASA_Earth/v2.0/big.bin", big)
	if got, err := os.ReadFile(big); err != nil || !bytes.Equal(got, s.big) {
		t.Errorf("the multipart object came down as %d bytes, %v", len(got), err)
	}
	r = s.coop(t, 0, "repo", "repair", "--verify", "--dry-run", "--json", "NASA_Earth/v2.0")
	var rep struct {
		Changes []struct {
			Path    string   `json:"path"`
			Reasons []string `json:"reasons"`
		} `json:"changes"`
		ChecksumsDiffered int `json:"checksums_differed"`
	}
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("repair --json: %v\n%s", err, r.out)
	}
	seen := false
	for _, c := range rep.Changes {
		seen = seen || c.Path == "data/a.csv" // updated for its missing crc32c, not its checksum
		if strings.Contains(strings.Join(c.Reasons, " "), "checksum differs") {
			t.Errorf("repair --verify calls the checksum of %s wrong: %v", c.Path, c.Reasons)
		}
	}
	if !seen {
		t.Errorf("repair --verify --json reports no change of data/a.csv:\n%s", r.out)
	}
	if rep.ChecksumsDiffered != 0 {
		t.Errorf("repair --verify: %d checksums differ, want none", rep.ChecksumsDiffered)
	}
}

// Issue 10.9: rm -r ACCOUNT/REPO emptied a whole repository, without
// asking when stdin was not a terminal.
func (s *seeded) rmRoot(t *testing.T) {
	r := s.coop(t, 2, "rm", "-r", "--yes", "NASA_Earth/my_dataset")
	if !strings.Contains(r.stderr, "--all") {
		t.Errorf("rm -r of a repository's root: %q", r.stderr)
	}
	r = s.coop(t, 2, "rm", "-r", "NASA_Earth/v2.0/data")
	if !strings.Contains(r.stderr, "--yes") {
		t.Errorf("rm -r with stdin not a terminal: %q", r.stderr)
	}
	if out := s.aws(t, "s3", "ls", "--recursive", "s3://"+s.bucket+"/NASA_Earth/my_dataset/"); strings.Count(out, "part-") != 8 {
		t.Errorf("objects went:\n%s", out)
	}
}

// Issue 10.10: errors repeated their subject.
func (s *seeded) oneSubject(t *testing.T) {
	r := s.coop(t, 1, "ls", "nobody")
	if strings.Count(r.stderr, "nobody") != 1 || !strings.HasSuffix(r.stderr, "not found\n") {
		t.Errorf("ls nobody: %q", r.stderr)
	}
}

// Issues 10.3, 10.4 and 10.10: what coop writes into items and documents
// other tools wrote keeps what it does not know, is complete, and follows
// the schema; the other tools check it.
func (s *seeded) coopWrites(t *testing.T) {
	src := t.TempDir()
	for name, body := range map[string]string{"x.txt": "from coop\n", "y.csv": "a,b\n1,2\n"} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s.coop(t, 0, "upload", filepath.Join(src, "x.txt"), "NASA_Earth/v2.0/new/")
	s.coop(t, 0, "upload", filepath.Join(src, "y.csv"), "NASA_Earth/my_dataset")
	s.coop(t, 0, "repo", "repair", "NASA_Earth/v2.0")
	s.coop(t, 0, "account", "create", "newbie", "--type", "user", "--name", "Newbie")
	s.coop(t, 0, "repo", "create", "NASA_Earth/fresh-data", "--visibility", "public")
	s.coop(t, 0, "account", "add-member", "NASA_Earth", "alice", "write")
	if r := s.coop(t, 0, "stat", "NASA_Earth/v2.0/new/x.txt"); !strings.Contains(r.out, "sha256:") {
		t.Errorf("stat of coop's upload:\n%s", r.out)
	}
	if out := s.python(t, "check.py", "v2.0:new/x.txt", "my_dataset:y.csv"); strings.TrimSpace(out) != "" {
		t.Errorf("check.py:\n%s", out)
	}
	// The aws CLI reads the same: the table item and the object's checksum.
	var got struct {
		Item map[string]map[string]any `json:"Item"`
	}
	out := s.aws(t, "dynamodb", "get-item", "--table-name", s.accounts, "--consistent-read",
		"--key", `{"account_id":{"S":"newbie"},"type":{"S":"user"}}`)
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	for _, attr := range []string{"metadata_public", "metadata_private"} {
		if m, ok := got.Item[attr]["M"].(map[string]any); !ok || len(m) != 0 {
			t.Errorf("aws dynamodb get-item: %s = %v, want an empty map", attr, got.Item[attr])
		}
	}
	var head struct {
		ChecksumSHA256 string `json:"ChecksumSHA256"`
	}
	out = s.aws(t, "s3api", "head-object", "--bucket", s.bucket, "--key", "NASA_Earth/v2.0/new/x.txt", "--checksum-mode", "ENABLED")
	if err := json.Unmarshal([]byte(out), &head); err != nil || head.ChecksumSHA256 == "" {
		t.Errorf("aws s3api head-object: no SHA-256 stored with coop's upload: %v\n%s", err, out)
	}
}
