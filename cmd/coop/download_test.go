package main

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tree is every file under dir, by slash path, with its content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func downloadStore(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	mustRun(t, root, "account", "create", "earth-lab", "--type", "organization")
	mustRun(t, root, "repo", "create", "earth-lab/scenes")
	writeTree(t, root, "earth-lab/scenes", map[string]string{
		"2024/b.csv": "a,b\n", "2024/sub/c.txt": "c\n", "readme.md": "# r\n",
	})
	return root
}

// A download run twice lays out the same tree as run once (rsync's
// rules: a trailing slash on the source means its contents); the second
// run replaces nothing, and with --skip-existing it succeeds.
func TestDownloadTwiceSameTree(t *testing.T) {
	root := downloadStore(t)
	for _, tc := range []struct {
		src   string
		local string // under a new temporary folder; "." is that folder itself
		want  []string
	}{
		{"earth-lab/scenes/2024", "out", []string{"out/2024/b.csv", "out/2024/sub/c.txt"}},
		{"earth-lab/scenes/2024/", "out", []string{"out/b.csv", "out/sub/c.txt"}},
		{"earth-lab/scenes/2024", ".", []string{"2024/b.csv", "2024/sub/c.txt"}},
		{"earth-lab/scenes", "out", []string{"out/scenes/2024/b.csv", "out/scenes/2024/sub/c.txt", "out/scenes/readme.md"}},
		{"earth-lab/scenes/", "out", []string{"out/2024/b.csv", "out/2024/sub/c.txt", "out/readme.md"}},
		{"earth-lab/scenes/readme.md", "copy.md", []string{"copy.md"}},
		{"earth-lab/scenes/readme.md", ".", []string{"readme.md"}},
		{"earth-lab/scenes/readme.md", "new/", []string{"new/readme.md"}},
	} {
		dir := t.TempDir()
		local := filepath.Join(dir, tc.local)
		if strings.HasSuffix(tc.local, "/") {
			local += "/"
		}
		mustRun(t, root, "download", tc.src, local)
		first := tree(t, dir)
		if got := strings.Join(sortedKeys(first), " "); got != strings.Join(tc.want, " ") {
			t.Errorf("download %s %s laid out %s, want %s", tc.src, tc.local, got, strings.Join(tc.want, " "))
		}
		code, _, errs := runCLI(t, root, "download", tc.src, local)
		if code != 1 || !strings.Contains(errs, "already exists") {
			t.Errorf("second download %s %s: exit %d, %q; want exit 1, files not replaced", tc.src, tc.local, code, errs)
		}
		mustRun(t, root, "download", "--skip-existing", tc.src, local)
		if again := tree(t, dir); !maps.Equal(first, again) {
			t.Errorf("download %s %s run again: %v, first %v", tc.src, tc.local, sortedKeys(again), sortedKeys(first))
		}
	}
}

// download FILE - writes the file to stdout; a folder cannot go there,
// nor can a file given with a trailing slash be downloaded.
func TestDownloadStdout(t *testing.T) {
	root := downloadStore(t)
	dir := t.TempDir()
	t.Chdir(dir)
	if out := mustRun(t, root, "download", "earth-lab/scenes/2024/b.csv", "-"); out != "a,b\n" {
		t.Errorf("download - wrote %q", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"download", "earth-lab/scenes/2024", "-"}, "only a file can go to stdout"},
		{[]string{"download", "earth-lab/scenes/readme.md/", "x"}, "is a file"},
	} {
		code, _, errs := runCLI(t, root, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("coop %v: exit %d, %q; want exit 2 and %q", tc.args, code, errs, tc.want)
		}
	}
	if files := tree(t, dir); len(files) != 0 {
		t.Errorf("files written in the working folder: %v", sortedKeys(files))
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
