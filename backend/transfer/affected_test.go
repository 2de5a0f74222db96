package transfer

import (
	"path/filepath"
	"slices"
	"testing"
)

// A job reports the folders whose listings it changed and no others: the
// folders holding what it stored or removed, and the folders holding a
// folder that appeared or vanished; not every folder above them.
func TestAffectedAreTheChangedFolders(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		src := t.TempDir()
		writeFiles(t, src, map[string][]byte{"f": []byte("f")})
		file := filepath.Join(src, "f")
		q := newQueue(t, e, Options{})
		for _, c := range []struct {
			what string
			spec Spec
			want []string
		}{
			{"upload into new folders", Spec{Kind: UploadFile, Repo: testRepo, Local: file, Remote: "a/b/x"}, []string{"", "a", "a/b"}},
			{"upload into another new folder", Spec{Kind: UploadFile, Repo: testRepo, Local: file, Remote: "c/y"}, []string{"", "c"}},
			{"upload into a folder that exists", Spec{Kind: UploadFile, Repo: testRepo, Local: file, Remote: "a/b/z"}, []string{"a/b"}},
			{"upload a folder into one that exists", Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "a/b/w"}, []string{"a/b", "a/b/w"}},
			{"delete a file, the folder stays", Spec{Kind: DeleteFile, Repo: testRepo, Remote: "a/b/z"}, []string{"a/b"}},
			{"delete a folder, its parent stays", Spec{Kind: DeleteTree, Repo: testRepo, Remote: "a/b/w"}, []string{"a/b", "a/b/w"}},
			{"delete the last file of two folders", Spec{Kind: DeleteFile, Repo: testRepo, Remote: "a/b/x"}, []string{"", "a", "a/b"}},
			{"delete a folder at the root", Spec{Kind: DeleteTree, Repo: testRepo, Remote: "c"}, []string{"", "c"}},
		} {
			sub := q.Subscribe()
			wantState(t, q, run(t, q, c.spec)[0], Done)
			ctx, cancel := contextTimeout(t)
			u, err := sub.Next(ctx)
			cancel()
			sub.Close()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range u.Affected {
				if a.Repo != testRepo {
					t.Errorf("%s: affected %v", c.what, a)
				}
				got = append(got, a.Folder)
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("%s: affected %q, want %q", c.what, got, c.want)
			}
		}
		if left := checkMetadata(t, e.store, testRepo); len(left) != 0 {
			t.Errorf("objects left: %v", slicesOf(left))
		}
	})
}
