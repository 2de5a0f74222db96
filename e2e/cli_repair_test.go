package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/internal/testservers"
)

// behind changes a repository's objects behind coop's back, as another
// tool (or a process killed before it recorded its work) leaves them.
type behind struct {
	put    func(t *testing.T, path, body string)
	delete func(t *testing.T, path string)
}

// repairStores runs fn on a fresh local store and a fresh AWS store
// (DynamoDB Local and versitygw), each holding the public repository
// acme/data, with coop's environment and a way to change objects directly.
func repairStores(t *testing.T, fn func(t *testing.T, env []string, raw behind)) {
	t.Run("local", func(t *testing.T) {
		root := t.TempDir()
		env := []string{"COOP_STORAGE=" + root, "XDG_CONFIG_HOME=" + t.TempDir()}
		makeAcme(t, env)
		file := func(p string) string { return filepath.Join(root, "acme", "data", filepath.FromSlash(p)) }
		fn(t, env, behind{
			put: func(t *testing.T, p, body string) { t.Helper(); writeFile(t, file(p), body) },
			delete: func(t *testing.T, p string) {
				t.Helper()
				if err := os.Remove(file(p)); err != nil {
					t.Fatal(err)
				}
			},
		})
	})
	t.Run("aws", func(t *testing.T) {
		dynamo := testservers.StartDynamo(t)
		s3srv := testservers.StartS3(t)
		bucket := testservers.UniqueName("repair")
		if err := s3srv.CreateBucket(t.Context(), bucket); err != nil {
			t.Fatal(err)
		}
		env := append(testservers.CoopEnv(dynamo, s3srv, bucket), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_CACHE_HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir())
		makeAcme(t, env)
		client := s3srv.Client()
		key := func(p string) *string { k := "acme/data/" + p; return &k }
		fn(t, env, behind{
			put: func(t *testing.T, p, body string) {
				t.Helper()
				if _, err := client.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &bucket, Key: key(p), Body: strings.NewReader(body)}); err != nil {
					t.Fatal(err)
				}
			},
			delete: func(t *testing.T, p string) {
				t.Helper()
				if _, err := client.DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: &bucket, Key: key(p)}); err != nil {
					t.Fatal(err)
				}
			},
		})
	})
}

// stderrLine fails unless stderr is exactly one coop message, and returns it.
func stderrLine(t *testing.T, errs string) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(errs, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "coop: ") {
		t.Errorf("stderr is not one coop message: %q", errs)
	}
	return lines[0]
}

// coop repo repair reports what it changes and makes the metadata match
// the objects; a dry run writes nothing; --verify fixes checksums; a
// missing repository, a caller who may not write and bad arguments fail
// with one line.
func TestCLIRepair(t *testing.T) {
	repairStores(t, func(t *testing.T, env []string, raw behind) {
		src := t.TempDir()
		writeFile(t, filepath.Join(src, "in", "a.txt"), "a\n")
		writeFile(t, filepath.Join(src, "in", "sub", "b.txt"), "bb\n")
		wantRun(t, env, 0, "upload", filepath.Join(src, "in"), "acme/data")
		raw.delete(t, "in/a.txt")
		raw.put(t, "raw/t.csv", "a,b\n1,2\n")
		raw.put(t, "raw/evil\u009b2Jname.txt", "x") // a C1 escape: XML (S3 listings) carries it

		out, _ := wantRun(t, env, 0, "repo", "repair", "acme/data", "--dry-run")
		for _, want := range []string{
			"would remove acme/data/in/a.txt: object gone\n",
			"would add acme/data/raw/: parent folder\n",
			"would add acme/data/raw/t.csv: no entry (8 bytes)\n",
			`would add acme/data/raw/evil\u009b2Jname.txt: no entry (1 byte)` + "\n",
			"repair acme/data (dry run, nothing written): 3 entries to add, 1 to remove, 0 to update\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("dry run stdout lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "\u009b") {
			t.Errorf("a name reached the terminal unsanitized: %q", out)
		}
		// The entry is still there, and stat says its object is gone.
		if out, errs := wantRun(t, env, 1, "stat", "acme/data/in/a.txt", "--json"); !strings.Contains(out, `"checksum": "sha256:`) ||
			!strings.Contains(errs, "missing from the store; run coop repo repair acme/data") {
			t.Errorf("the dry run removed the entry of in/a.txt, or stat does not see its object gone:\n%s%s", out, errs)
		}
		if out, _ := wantRun(t, env, 0, "stat", "acme/data/raw/t.csv", "--json"); !strings.Contains(out, `"entry": null`) {
			t.Errorf("the dry run recorded raw/t.csv:\n%s", out)
		}

		out, _ = wantRun(t, env, 0, "repo", "repair", "acme/data")
		if !strings.HasSuffix(out, "repair acme/data: 3 entries added, 1 removed, 0 updated\n") {
			t.Errorf("repair stdout:\n%s", out)
		}
		if got := statChecksum(t, env, "acme/data/raw/t.csv"); got != sha256Of([]byte("a,b\n1,2\n")) {
			t.Errorf("raw/t.csv checksum after repair: %q", got)
		}
		if _, errs := wantRun(t, env, 1, "stat", "acme/data/in/a.txt"); !strings.Contains(errs, "not found") {
			t.Errorf("in/a.txt after repair: %s", errs)
		}

		// Same size, other content: only --verify sees it.
		raw.put(t, "in/sub/b.txt", "BB\n")
		out, _ = wantRun(t, env, 0, "repo", "repair", "acme/data")
		if !strings.HasSuffix(out, "repair acme/data: 0 entries added, 0 removed, 0 updated\n") {
			t.Errorf("repair without --verify:\n%s", out)
		}
		out, _ = wantRun(t, env, 0, "repo", "repair", "--verify", "acme/data")
		for _, want := range []string{
			"updated acme/data/in/sub/b.txt: checksum differs (recorded " + sha256Of([]byte("bb\n")) + ", content " + sha256Of([]byte("BB\n")) + "), crc32c differs",
			"repair acme/data: 0 entries added, 0 removed, 1 updated (1 checksum differed)\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("repair --verify stdout lacks %q:\n%s", want, out)
			}
		}
		if got := statChecksum(t, env, "acme/data/in/sub/b.txt"); got != sha256Of([]byte("BB\n")) {
			t.Errorf("in/sub/b.txt checksum after --verify: %q", got)
		}
		out, _ = wantRun(t, env, 0, "repo", "repair", "--verify", "--json", "acme/data")
		var rep struct {
			Repository string            `json:"repository"`
			Objects    int               `json:"objects"`
			Read       int               `json:"read"`
			Written    bool              `json:"written"`
			Changes    []json.RawMessage `json:"changes"`
		}
		if err := json.NewDecoder(bytes.NewReader([]byte(out))).Decode(&rep); err != nil {
			t.Fatalf("repair --json: %v\n%s", err, out)
		}
		if rep.Repository != "acme/data" || rep.Objects != 3 || rep.Read != 3 || rep.Written || rep.Changes == nil || len(rep.Changes) != 0 {
			t.Errorf("repair --json of a sound repository: %s", out)
		}

		// A caller who may only read is refused (a dry run is a read).
		wantRun(t, env, 0, "account", "create", "bob", "--type", "user")
		_, errs := wantRun(t, env, 1, "--as", "bob", "repo", "repair", "acme/data")
		if line := stderrLine(t, errs); !strings.Contains(line, "not allowed") {
			t.Errorf("repair by a reader: %s", line)
		}
		wantRun(t, env, 0, "--as", "bob", "repo", "repair", "acme/data", "--dry-run")

		_, errs = wantRun(t, env, 1, "repo", "repair", "acme/nope")
		if line := stderrLine(t, errs); !strings.Contains(line, "acme/nope") || !strings.HasSuffix(line, "not found") {
			t.Errorf("repair of a missing repository: %s", line)
		}
		for _, args := range [][]string{
			{"repo", "repair"},
			{"repo", "repair", "acme"},
			{"repo", "repair", "acme/data/in"},
			{"repo", "repair", "acme/data", "acme/other"},
			{"repo", "repair", "bad\x01name/data"},
			{"repo", "repair", "acme/data", "--workers", "0"},
			{"repo", "repair", "acme/data", "--no-such-flag"},
		} {
			_, errs := wantRun(t, env, 2, args...)
			stderrLine(t, errs)
		}
	})
}

// An unreadable metadata file: repair fails with one line that suggests
// --rebuild; repair --rebuild keeps the file's bytes as an object it
// names and records every object afresh, after which stat works again.
func TestCLIRepairRebuild(t *testing.T) {
	backupName := regexp.MustCompile(`\.source-metadata\.corrupt-\d{8}T\d{6}Z\.json`)
	repairStores(t, func(t *testing.T, env []string, raw behind) {
		src := t.TempDir()
		writeFile(t, filepath.Join(src, "in", "a.txt"), "a\n")
		writeFile(t, filepath.Join(src, "in", "sub", "b.txt"), "bb\n")
		wantRun(t, env, 0, "upload", filepath.Join(src, "in"), "acme/data")
		const garbage = `{"repository_id": "data", "objects": {"in/a.txt": {"id": "`
		raw.put(t, ".source-metadata.json", garbage)

		_, errs := wantRun(t, env, 1, "repo", "repair", "acme/data")
		if line := stderrLine(t, errs); !strings.Contains(line, "metadata file unreadable") || !strings.Contains(line, "--rebuild") {
			t.Errorf("repair of an unreadable file: %s", line)
		}
		unreadable := func(when string) {
			t.Helper()
			if out, _ := wantRun(t, env, 0, "stat", "acme/data/in/a.txt"); !strings.Contains(out, "metadata file unreadable") {
				t.Errorf("stat %s:\n%s", when, out)
			}
		}
		unreadable("before the rebuild")

		out, _ := wantRun(t, env, 0, "repo", "repair", "--rebuild", "--dry-run", "acme/data")
		if !strings.Contains(out, "(dry run, nothing written): the unreadable metadata file would be kept as acme/data/.source-metadata.corrupt-") {
			t.Errorf("rebuild --dry-run stdout:\n%s", out)
		}
		unreadable("after a dry run")

		out, _ = wantRun(t, env, 0, "repo", "repair", "--rebuild", "acme/data")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		last := lines[len(lines)-1]
		name := backupName.FindString(last)
		if !strings.HasPrefix(last, "rebuild acme/data: the unreadable metadata file is kept as acme/data/"+name+";") || name == "" ||
			!strings.HasSuffix(last, "the new one records 5 entries") {
			t.Fatalf("rebuild stdout:\n%s", out)
		}
		if got := statChecksum(t, env, "acme/data/in/sub/b.txt"); got != sha256Of([]byte("bb\n")) {
			t.Errorf("in/sub/b.txt checksum after the rebuild: %q", got)
		}
		if got := statChecksum(t, env, "acme/data/"+name); got != sha256Of([]byte(garbage)) {
			t.Errorf("backup checksum %q, want that of the unreadable bytes", got)
		}
		dst := filepath.Join(t.TempDir(), "backup.json")
		wantRun(t, env, 0, "download", "acme/data/"+name, dst)
		if b, err := os.ReadFile(dst); err != nil || string(b) != garbage {
			t.Errorf("the backup holds %q (%v), want %q", b, err, garbage)
		}
		if out, _ := wantRun(t, env, 0, "ls", "acme/data"); !strings.Contains(out, name) {
			t.Errorf("the backup is not listed:\n%s", out)
		}
		writeFile(t, filepath.Join(src, "after.txt"), "after\n")
		wantRun(t, env, 0, "upload", filepath.Join(src, "after.txt"), "acme/data")
		if got := statChecksum(t, env, "acme/data/after.txt"); got != sha256Of([]byte("after\n")) {
			t.Errorf("an upload after the rebuild was not recorded: %q", got)
		}
		out, _ = wantRun(t, env, 0, "repo", "repair", "--rebuild", "acme/data")
		if !strings.HasSuffix(out, "0 entries added, 0 removed, 0 updated; the metadata file was readable, nothing to rebuild\n") {
			t.Errorf("rebuild of a sound repository:\n%s", out)
		}
	})
}
