package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/pkg/sftp"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/server"
)

// The hostile-client suite, files part: each finding of the review of
// `coop serve` (as numbered there) as a test, sent by a Go client that
// sends what OpenSSH would and what it would not.

// object reads an object straight from the store.
func object(t *testing.T, f *fixture, acct, repo, path string) string {
	t.Helper()
	rc, _, err := f.store.GetObject(context.Background(), ref(acct, repo), path)
	if err != nil {
		t.Fatalf("read %s/%s/%s: %v", acct, repo, path, err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return string(b)
}

// recorded is the checksum the metadata records for path, once the
// session's queue has written it.
func recorded(t *testing.T, f *fixture, acct, repo, path, want string) {
	t.Helper()
	sum := sha256.Sum256([]byte(want))
	wantSum := "sha256:" + hex.EncodeToString(sum[:])
	eventually(t, func() error {
		doc, err := backend.LoadMetadata(context.Background(), f.store, ref(acct, repo))
		if err != nil {
			return err
		}
		if m := doc.Objects[path]; m.Checksum != wantSum || m.Size != int64(len(want)) {
			return errors.New("metadata of " + path + ": " + m.Checksum)
		}
		return nil
	})
}

func putFile(c *sftp.Client, p, body string) error {
	w, err := c.Create(p)
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(body)); err != nil {
		_ = w.Close()
		return err
	}
	return w.Close()
}

// Finding 2: `reput` and `put -a` (an open without truncation) stored a
// zero-filled prefix. The upload now continues the object: an append
// after its end, an edit in place; an append that writes over the object
// is refused, storing nothing.
func TestHostileResumeContinuesTheObject(t *testing.T) {
	f := newFixture(t, server.Config{})
	c, _ := sftpAs(t, f, "alice")
	must(t, putFile(c, "/alice/priv/part.txt", "first half|"))

	// As OpenSSH's reput: append mode, offsets from the current size.
	w, err := c.OpenFile("/alice/priv/part.txt", os.O_WRONLY|os.O_APPEND)
	must(t, err)
	if _, err := w.Seek(11, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	_, err = w.Write([]byte("second half"))
	must(t, err)
	must(t, w.Close())
	if got := object(t, f, "alice", "priv", "part.txt"); got != "first half|second half" {
		t.Errorf("after the resumed upload the object is %q", got)
	}
	recorded(t, f, "alice", "priv", "part.txt", "first half|second half")

	// An edit in place: no truncation, no append.
	w, err = c.OpenFile("/alice/priv/part.txt", os.O_WRONLY)
	must(t, err)
	_, err = w.WriteAt([]byte("FIRST"), 0)
	must(t, err)
	must(t, w.Close())
	if got := object(t, f, "alice", "priv", "part.txt"); got != "FIRST half|second half" {
		t.Errorf("after an edit in place the object is %q", got)
	}

	// An append whose offsets start at 0 would overwrite the object.
	w, err = c.OpenFile("/alice/priv/part.txt", os.O_WRONLY|os.O_APPEND)
	must(t, err)
	_, werr := w.Write([]byte("XX"))
	cerr := w.Close()
	if werr == nil && cerr == nil {
		t.Error("an append that writes over the object was taken")
	}
	if got := object(t, f, "alice", "priv", "part.txt"); got != "FIRST half|second half" {
		t.Errorf("a refused append changed the object to %q", got)
	}
}

// Finding 6: one 1-byte WRITE at 1 GiB−1 stored a 1 GiB object.
func TestHostileSparseWriteIsRefused(t *testing.T) {
	f := newFixture(t, server.Config{})
	c, _ := sftpAs(t, f, "alice")
	w, err := c.Create("/alice/priv/sparse.bin")
	must(t, err)
	_, werr := w.WriteAt([]byte{1}, 1<<30-1)
	cerr := w.Close()
	if werr == nil || !strings.Contains(werr.Error(), "past the end") {
		t.Errorf("a write 1 GiB past the end: %v", werr)
	}
	if cerr == nil {
		t.Error("closing the upload with a refused write stored it")
	}
	if _, err := f.store.StatObject(context.Background(), ref("alice", "priv"), "sparse.bin"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("a sparse upload was stored: %v", err)
	}
	if len(f.rec.find(audit.ActionUpload, "alice", audit.ResultInvalid)) == 0 {
		t.Errorf("the refused sparse upload is not in the audit log: %+v", f.rec.find(audit.ActionUpload, "", ""))
	}
}

// Finding 7: an interrupted put replaced the object with a truncated file
// (OpenSSH closes the file after Ctrl-C, so SFTP cannot tell). A put over
// an existing object is refused at open; a finished upload renamed over
// it replaces it; --sftp-replace on-close restores sshd's behaviour.
func TestHostilePutDoesNotReplaceByHalves(t *testing.T) {
	f := newFixture(t, server.Config{})
	c, conn := sftpAs(t, f, "alice")
	err := putFile(c, "/alice/priv/a.txt", "half of a new ver")
	if err == nil || !strings.Contains(err.Error(), "cannot be told from one cut short") {
		t.Fatalf("a put over an existing file: %v", err)
	}
	if got := object(t, f, "alice", "priv", "a.txt"); got != "alice's secret" {
		t.Errorf("the existing object became %q", got)
	}
	if len(f.rec.find(audit.ActionUpload, "alice", audit.ResultError)) == 0 {
		t.Error("the refused replacement is not in the audit log")
	}
	must(t, putFile(c, "/alice/priv/a.txt.part", "the whole new version"))
	must(t, c.PosixRename("/alice/priv/a.txt.part", "/alice/priv/a.txt"))
	if got := object(t, f, "alice", "priv", "a.txt"); got != "the whole new version" {
		t.Errorf("after a rename over it the object is %q", got)
	}
	recorded(t, f, "alice", "priv", "a.txt", "the whole new version")

	// Requests OpenSSH's sftp does not send: a write through a handle
	// opened for reading, a close of a handle twice.
	raw := newRawSFTP(t, conn)
	h, err := raw.open("/alice/priv/a.txt", 0x01, nil)
	must(t, err)
	if code, _ := raw.write(h, 0, []byte("over")); code == fxOK {
		t.Error("a write through a read handle was taken")
	}
	if code, _ := raw.close(h); code != fxOK {
		t.Error("closing a read handle failed")
	}
	if code, _ := raw.close(h); code == fxOK {
		t.Error("a handle closed twice")
	}
	if got := object(t, f, "alice", "priv", "a.txt"); got != "the whole new version" {
		t.Errorf("the object became %q", got)
	}

	// With --sftp-replace on-close a put replaces on close, as sshd does.
	g := newFixture(t, server.Config{Replace: server.ReplaceOnClose})
	gc, _ := sftpAs(t, g, "alice")
	must(t, putFile(gc, "/alice/priv/a.txt", "replaced"))
	if got := object(t, g, "alice", "priv", "a.txt"); got != "replaced" {
		t.Errorf("with on-close the object is %q", got)
	}
}

// Finding 13: SETSTAT answered OK to anyone. Only writers may set
// attributes (accepted, not kept); a size applies to an open upload only.
func TestHostileSetstat(t *testing.T) {
	f := newFixture(t, server.Config{})
	anon, _ := sftpAs(t, f, "eve")
	wantSFTPErr(t, "anonymous chmod", anon.Chmod("/alice/pub/p.txt", 0o777), fxPermissionDenied)
	bob, _ := sftpAs(t, f, "bob")
	wantSFTPErr(t, "bob chmod in alice's public repository", bob.Chmod("/alice/pub/p.txt", 0o777), fxPermissionDenied)
	if len(f.rec.find(audit.ActionSetstat, "anonymous", audit.ResultDenied)) == 0 {
		t.Error("a refused setstat is not in the audit log")
	}
	alice, _ := sftpAs(t, f, "alice")
	must(t, alice.Chmod("/alice/pub/p.txt", 0o600)) // put -p keeps working
	if err := alice.Truncate("/alice/pub/p.txt", 0); err == nil {
		t.Error("a stored object was truncated by SETSTAT")
	}
	if got := object(t, f, "alice", "pub", "p.txt"); got != "public words" {
		t.Errorf("after setstat the object is %q", got)
	}
}

// Finding 13: refused SFTP renames and mkdirs were not in the audit log.
func TestHostileRefusedTreeChangesAreAudited(t *testing.T) {
	f := newFixture(t, server.Config{})
	bob, _ := sftpAs(t, f, "bob")
	wantSFTPErr(t, "bob mkdir in alice's public repository", bob.Mkdir("/alice/pub/bobs"), fxPermissionDenied)
	if err := bob.Rename("/alice/pub/p.txt", "/alice/pub/q.txt"); err == nil {
		t.Error("bob renamed in alice's repository")
	}
	if err := bob.PosixRename("/alice/pub/p.txt", "/lab/data/stolen.txt"); err == nil {
		t.Error("bob moved alice's file into lab")
	}
	wantSFTPErr(t, "bob rmdir in alice's public repository", bob.RemoveDirectory("/alice/pub/x"), fxPermissionDenied)
	for _, action := range []string{audit.ActionMkdir, audit.ActionRename, audit.ActionDelete} {
		if len(f.rec.find(action, "bob", audit.ResultDenied)) == 0 {
			t.Errorf("bob's refused %s is not in the audit log: %+v", action, f.rec.find(action, "", ""))
		}
	}
}
