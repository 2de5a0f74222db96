package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/server"
)

func sftpAs(t testing.TB, f *fixture, who string) (*sftp.Client, *gossh.Client) {
	t.Helper()
	c := f.as(t, who)
	sc, err := sftp.NewClient(c)
	if err != nil {
		t.Fatalf("sftp as %s: %v", who, err)
	}
	t.Cleanup(func() { _ = sc.Close() })
	return sc, c
}

// wantSFTPErr checks the status a request failed with; the client turns
// "no such file" and "permission denied" into the os errors.
func wantSFTPErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

var (
	fxNoSuchFile       = os.ErrNotExist
	fxPermissionDenied = os.ErrPermission
)

// eventually retries check for up to five seconds.
func eventually(t *testing.T, check func() error) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Error(err)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func ref(acct, repo string) backend.RepoRef {
	return backend.RepoRef{AccountID: acct, RepositoryID: repo}
}

func TestSFTPTreeAndRules(t *testing.T) {
	f := newFixture(t, server.Config{})
	alice, _ := sftpAs(t, f, "alice")
	bob, _ := sftpAs(t, f, "bob")
	anon, _ := sftpAs(t, f, "eve")

	names := func(c *sftp.Client, p string) string {
		t.Helper()
		fis, err := c.ReadDir(p)
		if err != nil {
			t.Fatalf("ReadDir %s: %v", p, err)
		}
		var out []string
		for _, fi := range fis {
			out = append(out, fi.Name())
		}
		return strings.Join(out, ",")
	}
	if got := names(alice, "/alice"); got != "priv,pub" && got != "pub,priv" {
		t.Errorf("alice lists /alice as %q", got)
	}
	if got := names(bob, "/alice"); got != "pub" {
		t.Errorf("bob lists /alice as %q", got)
	}
	if got := names(bob, "/lab"); got != "data" {
		t.Errorf("bob (member) lists /lab as %q", got)
	}
	if got := names(anon, "/lab"); got != "" {
		t.Errorf("anonymous lists /lab as %q", got)
	}
	_, err := bob.Stat("/alice/priv/a.txt")
	wantSFTPErr(t, "bob stats alice's private file", err, fxNoSuchFile)
	_, err = bob.Open("/alice/priv/a.txt")
	wantSFTPErr(t, "bob opens alice's private file", err, fxNoSuchFile)

	// Uploads: alice into her own, bob into lab, bob refused in alice's.
	upload := func(c *sftp.Client, p, body string) error {
		w, err := c.Create(p)
		if err != nil {
			return err
		}
		if _, err := w.Write([]byte(body)); err != nil {
			return err
		}
		return w.Close()
	}
	must(t, upload(alice, "/alice/priv/new/one.txt", "first"))
	must(t, upload(bob, "/lab/data/b.txt", "bob's"))
	wantSFTPErr(t, "bob uploads to alice/pub", upload(bob, "/alice/pub/x.txt", "x"), fxPermissionDenied)
	wantSFTPErr(t, "bob uploads to alice/priv", upload(bob, "/alice/priv/x.txt", "x"), fxNoSuchFile)
	wantSFTPErr(t, "anonymous uploads to alice/pub", upload(anon, "/alice/pub/x.txt", "x"), fxPermissionDenied)
	wantSFTPErr(t, "anonymous deletes from alice/pub", anon.Remove("/alice/pub/p.txt"), fxPermissionDenied)
	// "file.txt" is a valid repository id (other tools create such ids),
	// so this is a file put where repositories are: refused as such.
	if err := upload(alice, "/alice/file.txt", "x"); err == nil || !strings.Contains(err.Error(), "files live inside a repository") {
		t.Errorf("upload above the repositories: %v, want a refusal saying files live inside a repository", err)
	}
	var status *sftp.StatusError
	if err := upload(alice, "/alice/priv/bad\x01name", "x"); !errors.As(err, &status) || status.Code != 4 {
		t.Errorf("upload of a name with a control character: %v, want a failure status", err)
	}

	// The store and the metadata show alice's upload (the queue writes
	// metadata in the background, within about a second).
	ctx := context.Background()
	eventually(t, func() error {
		doc, err := backend.LoadMetadata(ctx, f.store, ref("alice", "priv"))
		if err != nil {
			return err
		}
		if m, ok := doc.Objects["new/one.txt"]; !ok || m.Size != 5 || !strings.HasPrefix(m.Checksum, "sha256:") {
			return fmt.Errorf("metadata after upload: %+v", doc.Objects)
		}
		return nil
	})
	if _, err := f.store.StatObject(ctx, ref("alice", "pub"), "x.txt"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("a refused upload left an object: %v", err)
	}

	// Download, rename, delete.
	r, err := alice.Open("/alice/priv/new/one.txt")
	must(t, err)
	body, _ := io.ReadAll(r)
	_ = r.Close()
	if string(body) != "first" {
		t.Errorf("download %q", body)
	}
	must(t, alice.Rename("/alice/priv/new/one.txt", "/alice/priv/two.txt"))
	must(t, alice.Remove("/alice/priv/two.txt"))
	eventually(t, func() error {
		doc, err := backend.LoadMetadata(ctx, f.store, ref("alice", "priv"))
		if err != nil {
			return err
		}
		// a.txt, stored before the repository had a document, was
		// recorded by the first write; the renamed and deleted file is gone.
		if _, ok := doc.Objects["a.txt"]; !ok || len(doc.Objects) != 1 {
			return fmt.Errorf("metadata after rename and delete: %+v", doc.Objects)
		}
		return nil
	})

	// mkdir: a repository where allowed, a folder inside one.
	must(t, alice.Mkdir("/alice/made"))
	repo, err := f.store.GetRepository(ctx, "alice", "made")
	if err != nil || repo.Visibility != backend.VisibilityPrivate {
		t.Errorf("mkdir made %+v, %v", repo, err)
	}
	wantSFTPErr(t, "bob makes a repository for alice", bob.Mkdir("/alice/bobs"), fxPermissionDenied)
	must(t, alice.Mkdir("/alice/made/empty"))
	if fi, err := alice.Stat("/alice/made/empty"); err != nil || !fi.IsDir() {
		t.Errorf("a folder made this session: %v %v", fi, err)
	}
	must(t, alice.RemoveDirectory("/alice/made/empty"))

	// The audit log has the writes, with bytes, and the refusals.
	ups := f.rec.find(audit.ActionUpload, "alice", audit.ResultOK)
	if len(ups) == 0 || ups[0].Target != "alice/priv/new/one.txt" || ups[0].Bytes != 5 {
		t.Errorf("alice's uploads in the audit log: %+v", ups)
	}
	if len(f.rec.find(audit.ActionDelete, "alice", audit.ResultOK)) != 2 {
		t.Errorf("alice's deletes (rename and rm): %+v", f.rec.find(audit.ActionDelete, "alice", ""))
	}
	if len(f.rec.find(audit.ActionUpload, "bob", audit.ResultDenied)) == 0 {
		t.Error("bob's refused upload is not in the audit log")
	}
}

func TestSFTPPathTraversal(t *testing.T) {
	f := newFixture(t, server.Config{})
	alice, _ := sftpAs(t, f, "alice")
	bob, _ := sftpAs(t, f, "bob")
	outside := t.TempDir()
	for _, p := range []string{
		"/alice/pub/../priv/a.txt", "/alice/pub/../../alice/priv/a.txt", "../../../../alice/priv/a.txt",
		"/alice/pub/p.txt/../../priv/a.txt", "//alice//priv//a.txt", "/alice/priv/./a.txt",
	} {
		_, err := bob.Open(p)
		wantSFTPErr(t, "bob opens "+p, err, fxNoSuchFile)
	}
	for _, p := range []string{"/../../../../../etc/passwd", "/alice/pub/../../../" + outside + "/x"} {
		if _, err := alice.Open(p); err == nil {
			t.Errorf("alice opened %s", p)
		}
	}
	w, err := alice.Create("/alice/pub/../../../../" + strings.TrimPrefix(outside, "/") + "/escaped.txt")
	if err == nil {
		_, _ = w.Write([]byte("x"))
		err = w.Close()
	}
	if err == nil {
		t.Error("a path climbing out of the tree was written somewhere")
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("a file was written outside the store: %v", ents)
	}
	for _, name := range []string{"evil\x1b[2Jname.txt", "line\nbreak", backend.MetadataFileName} {
		w, err := alice.Create("/alice/priv/" + name)
		if err == nil {
			_ = w.Close()
			t.Errorf("created %q", name)
		}
	}
	if _, err := alice.Open("/alice/priv/" + backend.MetadataFileName); err == nil {
		t.Error("the metadata file is readable as a file")
	}
}

func TestSFTPDisconnectMidUpload(t *testing.T) {
	f := newFixture(t, server.Config{})
	c, ssh := sftpAs(t, f, "alice")
	w, err := c.Create("/alice/priv/partial.bin")
	must(t, err)
	chunk := make([]byte, 256<<10)
	_, _ = rand.Read(chunk)
	for range 4 {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	// The connection drops with the file still open; once the server has
	// thrown the upload away its spool file is gone.
	if ents, _ := os.ReadDir(f.spool); len(ents) != 1 {
		t.Fatalf("spool during the upload: %v", ents)
	}
	_ = ssh.Close()
	eventually(t, func() error {
		if ents, _ := os.ReadDir(f.spool); len(ents) != 0 {
			return fmt.Errorf("spool files left: %v", ents)
		}
		return nil
	})
	ctx := context.Background()
	if _, err := f.store.StatObject(ctx, ref("alice", "priv"), "partial.bin"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("a partial upload is visible: %v", err)
	}
	doc, err := backend.LoadMetadata(ctx, f.store, ref("alice", "priv"))
	if err == nil {
		if _, ok := doc.Objects["partial.bin"]; ok {
			t.Error("a partial upload has a metadata entry")
		}
	}
	p, err := f.store.ListObjects(ctx, ref("alice", "priv"), "", backend.PageRequest{})
	must(t, err)
	for _, e := range p.Items {
		if e.Name != "a.txt" {
			t.Errorf("left behind: %s", e.Name)
		}
	}
	// And a complete upload of the same name afterwards works.
	c2, _ := sftpAs(t, f, "alice")
	w, err = c2.Create("/alice/priv/partial.bin")
	must(t, err)
	_, err = w.Write(chunk)
	must(t, err)
	must(t, w.Close())
	rc, _, err := f.store.GetObject(ctx, ref("alice", "priv"), "partial.bin")
	must(t, err)
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, chunk) {
		t.Errorf("stored %d bytes, want the %d sent", len(got), len(chunk))
	}
}
