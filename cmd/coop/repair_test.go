package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend/repair"
)

func TestRepoRepair(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "init")
	mustRun(t, root, "account", "create", "acme", "--type", "organization")
	mustRun(t, root, "account", "create", "bob", "--type", "user")
	mustRun(t, root, "repo", "create", "acme/data", "--visibility", "public")
	src := t.TempDir()
	for name, body := range map[string]string{"a.txt": "a\n", "sub/b.txt": "bb\n"} {
		p := filepath.Join(src, "in", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustRun(t, root, "upload", filepath.Join(src, "in"), "acme/data")
	repo := filepath.Join(root, "acme", "data")
	if err := os.Remove(filepath.Join(repo, "in", "a.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "in", "sub", "b.txt"), []byte("longer now\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "evil\x1b[2Jname.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	metaFile := filepath.Join(repo, ".source-metadata.json")
	before, err := os.ReadFile(metaFile)
	if err != nil {
		t.Fatal(err)
	}

	code, out, errs := runCLI(t, root, "repo", "repair", "--dry-run", "acme/data")
	want := "would remove acme/data/in/a.txt: object gone\n" +
		"would update acme/data/in/sub/b.txt: size differs (recorded 3 bytes, object 11 bytes)\n" +
		`would add acme/data/evil\x1b[2Jname.txt: no entry (1 byte)` + "\n" +
		"repair acme/data (dry run, nothing written): 1 entry to add, 1 to remove, 1 to update\n"
	if code != 0 || errs != "" || !sameLines(out, want) {
		t.Errorf("dry run: exit %d, stderr %q, stdout:\n%s\nwant (in any order):\n%s", code, errs, out, want)
	}
	if after, _ := os.ReadFile(metaFile); string(after) != string(before) {
		t.Errorf("the dry run wrote the metadata file")
	}

	// A reader is refused, and the refusal is in the audit log.
	code, _, errs = runCLI(t, root, "--as", "bob", "repo", "repair", "acme/data")
	if code != 1 || !strings.HasPrefix(errs, "coop: ") || !strings.Contains(errs, "not allowed") || strings.Count(errs, "\n") != 1 {
		t.Errorf("repair by a reader: exit %d, stderr %q", code, errs)
	}

	code, out, errs = runCLI(t, root, "repo", "repair", "acme/data", "--json")
	var rep repair.Report
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || errs != "" || err != nil {
		t.Fatalf("repair --json: exit %d, %v, stderr %q\n%s", code, err, errs, out)
	}
	if rep.Added != 1 || rep.Removed != 1 || rep.Updated != 1 || !rep.Written || len(rep.Changes) != 3 {
		t.Errorf("repair --json: %+v", rep)
	}
	if out := mustRun(t, root, "repo", "repair", "acme/data", "--verify"); out != "repair acme/data: 0 entries added, 0 removed, 0 updated\n" {
		t.Errorf("repair of a repaired repository: %q", out)
	}

	var got []string
	f, err := os.Open(filepath.Join(root, ".coop", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ev audit.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err == nil && ev.Action == audit.ActionMetadataUpdate && ev.Target == "acme/data" {
			got = append(got, ev.Actor+" "+ev.Result)
		}
	}
	if len(got) < 2 || got[len(got)-2] != "bob "+audit.ResultDenied || !strings.HasSuffix(got[len(got)-1], " "+audit.ResultOK) {
		t.Errorf("audit log of the repairs' metadata updates: %q", got)
	}

	for _, args := range [][]string{
		{"repo", "repair"}, {"repo", "repair", "acme"}, {"repo", "repair", "acme/data/in"},
		{"repo", "repair", "acme/data", "--workers", "2000"}, {"repo", "mend", "acme/data"},
	} {
		if code, _, errs := runCLI(t, root, args...); code != 2 || !strings.HasPrefix(errs, "coop: ") || strings.Count(errs, "\n") != 1 {
			t.Errorf("coop %v: exit %d, stderr %q; want 2 and one line", args, code, errs)
		}
	}
	if code, _, errs := runCLI(t, root, "repo", "repair", "acme/none"); code != 1 || errs != "coop: repository acme/none: not found\n" {
		t.Errorf("repair of a missing repository: exit %d, stderr %q", code, errs)
	}
}

// sameLines reports whether a and b hold the same lines, in any order.
func sameLines(a, b string) bool {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(la) != len(lb) {
		return false
	}
	seen := map[string]int{}
	for _, l := range la {
		seen[l]++
	}
	for _, l := range lb {
		seen[l]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

// backupName matches the object a rebuild keeps an unreadable file in.
var backupName = regexp.MustCompile(`\.source-metadata\.corrupt-\d{8}T\d{6}Z\.json`)

func TestRepoRepairRebuild(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "init")
	mustRun(t, root, "account", "create", "acme", "--type", "organization")
	mustRun(t, root, "account", "create", "bob", "--type", "user")
	mustRun(t, root, "repo", "create", "acme/data", "--visibility", "public")
	src := filepath.Join(t.TempDir(), "in")
	if err := os.MkdirAll(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"a.txt": "a\n", "sub/b.txt": "bb\n"} {
		if err := os.WriteFile(filepath.Join(src, filepath.FromSlash(name)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustRun(t, root, "upload", src, "acme/data")
	repo := filepath.Join(root, "acme", "data")
	metaFile := filepath.Join(repo, ".source-metadata.json")
	const garbage = `{"objects": {"in/a.txt": {"id": "`
	if err := os.WriteFile(metaFile, []byte(garbage), 0o644); err != nil {
		t.Fatal(err)
	}
	backups := func() []string {
		m, _ := filepath.Glob(filepath.Join(repo, ".source-metadata.corrupt-*"))
		return m
	}

	code, _, errs := runCLI(t, root, "repo", "repair", "acme/data")
	if code != 1 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "metadata file unreadable") ||
		!strings.Contains(errs, "coop repo repair --rebuild acme/data") {
		t.Errorf("repair of an unreadable file: exit %d, stderr %q; want 1 and one line suggesting --rebuild", code, errs)
	}

	code, out, errs := runCLI(t, root, "repo", "repair", "--rebuild", "--dry-run", "acme/data")
	if code != 0 || errs != "" || !strings.Contains(out, "rebuild acme/data (dry run, nothing written): the unreadable metadata file would be kept as acme/data/") ||
		!strings.Contains(out, "would add acme/data/in/sub/b.txt: no entry (3 bytes)\n") || !backupName.MatchString(out) {
		t.Errorf("rebuild --dry-run: exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
	if b, _ := os.ReadFile(metaFile); string(b) != garbage || len(backups()) != 0 {
		t.Errorf("the dry run wrote: metadata %q, backups %q", b, backups())
	}

	code, _, errs = runCLI(t, root, "--as", "bob", "repo", "repair", "--rebuild", "acme/data")
	if code != 1 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "not allowed") {
		t.Errorf("rebuild by a reader: exit %d, stderr %q", code, errs)
	}
	if b, _ := os.ReadFile(metaFile); string(b) != garbage || len(backups()) != 0 {
		t.Errorf("a refused rebuild wrote: metadata %q, backups %q", b, backups())
	}

	code, out, errs = runCLI(t, root, "repo", "repair", "--rebuild", "acme/data")
	last := out[strings.LastIndex(strings.TrimSuffix(out, "\n"), "\n")+1:]
	if code != 0 || errs != "" || !strings.HasPrefix(last, "rebuild acme/data: the unreadable metadata file is kept as acme/data/") ||
		!strings.HasSuffix(last, "; the new one records 5 entries\n") {
		t.Errorf("rebuild: exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
	name := backupName.FindString(last)
	if got := backups(); len(got) != 1 || filepath.Base(got[0]) != name {
		t.Fatalf("backups %q, summary names %q", got, name)
	}
	if b, _ := os.ReadFile(filepath.Join(repo, name)); string(b) != garbage {
		t.Errorf("the backup holds %q", b)
	}
	if out := mustRun(t, root, "stat", "acme/data/in/sub/b.txt"); !strings.Contains(out, "sha256:") {
		t.Errorf("stat after the rebuild:\n%s", out)
	}
	if out := mustRun(t, root, "ls", "acme/data"); !strings.Contains(out, name) {
		t.Errorf("the backup is not listed:\n%s", out)
	}
	code, out, errs = runCLI(t, root, "repo", "repair", "--rebuild", "acme/data", "--json")
	var rep repair.Report
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || errs != "" || err != nil || rep.Unreadable || !rep.Rebuild || rep.Written {
		t.Errorf("rebuild of a sound repository: exit %d, %v, stderr %q\n%s", code, err, errs, out)
	}
	if out := mustRun(t, root, "repo", "repair", "--rebuild", "acme/data"); !strings.HasSuffix(out, "nothing to rebuild\n") {
		t.Errorf("rebuild of a sound repository: %q", out)
	}
}

// Finding 12: the temporary files of a killed `coop upload` survived
// `repo repair`. The repair removes those no live writer holds (and
// keeps one that a writer still has open and locked).
func TestRepoRepairRemovesLeftovers(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "init")
	mustRun(t, root, "account", "create", "acme", "--type", "organization")
	mustRun(t, root, "repo", "create", "acme/data")
	repo := filepath.Join(root, "acme", "data")
	left := []string{filepath.Join(repo, ".coop-tmp-0123456789abcdef"), filepath.Join(repo, "deep", "er", ".coop-tmp-fedcba9876543210")}
	for _, p := range left {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("half an upload"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	held := filepath.Join(repo, ".coop-tmp-00000000000000aa")
	f, err := os.Create(held)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, root, "repo", "repair", "--dry-run", "acme/data")
	if code != 0 || strings.Contains(out, "leftovers") {
		t.Errorf("dry run: exit %d, %q, %q", code, out, errs)
	}
	for _, p := range left {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("the dry run removed %s", p)
		}
	}
	code, out, errs = runCLI(t, root, "repo", "repair", "acme/data")
	if code != 0 || !strings.Contains(out, "removed 2 leftovers of interrupted uploads") {
		t.Errorf("repair: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	for _, p := range left {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s survived the repair: %v", p, err)
		}
	}
	if _, err := os.Stat(held); err != nil {
		t.Errorf("a temporary file a live writer holds was removed: %v", err)
	}
}
