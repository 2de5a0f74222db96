package repair

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
	"github.com/coopterm/coop/backend/access/accesstest"
	"github.com/coopterm/coop/backend/backendtest"
)

// garbage is what a crash left in the metadata file: not JSON.
const garbage = `{"repository_id": "data", "objects": {"a.txt": {"id": "x", "si`

// rebuildTime stamps the rebuilds of these tests.
var rebuildTime = time.Date(2026, 11, 27, 14, 30, 0, 0, time.UTC)

const wantBackup = ".source-metadata.corrupt-20261127T143000Z.json"

// corrupt writes body over the metadata file, as another tool would.
func (e *env) corrupt(t testing.TB, body string) {
	t.Helper()
	e.raw(t, backend.MetadataFileName, []byte(body))
}

// exists reports whether the store holds an object at p.
func (e *env) exists(t testing.TB, p string) bool {
	t.Helper()
	_, err := e.store.StatObject(context.Background(), testRepo, p)
	if err != nil && !errors.Is(err, backend.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// read returns the content of object p.
func (e *env) read(t testing.TB, p string) []byte {
	t.Helper()
	rc, _, err := e.store.GetObject(context.Background(), testRepo, p)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// corruptScene stores objects (some recorded, one written by another
// tool), then breaks the metadata file.
func (e *env) corruptScene(t *testing.T) {
	t.Helper()
	for p, body := range map[string]string{"a.txt": "alpha\n", "dir/sub/b.csv": "x,y\n1,2\n", "c.json": `{"c": 3}`} {
		info := e.put(t, p, body)
		e.record(t, p, backend.NewObjectMeta(testRepo, info, nil, time.Now()))
	}
	e.raw(t, "raw/tool.bin", []byte("\x00\x01written by another tool"))
	e.corrupt(t, garbage)
}

func TestRebuild(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.corruptScene(t)
		opts := Options{Rebuild: true, Now: func() time.Time { return rebuildTime }}

		rep, err := Run(ctx, e.store, testRepo, Options{})
		if !errors.Is(err, backend.ErrMetadataCorrupt) || !rep.Unreadable || rep.Written {
			t.Fatalf("repair without rebuild: %v, %+v", err, rep)
		}

		dry := opts
		dry.DryRun = true
		rep, err = Run(ctx, e.store, testRepo, dry)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"add " + wantBackup, "add a.txt", "add c.json", "add dir", "add dir/sub", "add dir/sub/b.csv", "add raw", "add raw/tool.bin"}
		if got := summary(rep.Changes); !slices.Equal(got, want) || rep.Written || !rep.Unreadable || rep.Backup != wantBackup || rep.Read != 4 {
			t.Errorf("dry run: changes %q (want %q), report %+v", got, want, rep)
		}
		if e.exists(t, wantBackup) {
			t.Errorf("the dry run stored the backup")
		}
		if _, err := backend.LoadMetadata(ctx, e.store, testRepo); !errors.Is(err, backend.ErrMetadataCorrupt) {
			t.Errorf("after the dry run: %v, want the file still unreadable", err)
		}

		rep, err = Run(ctx, e.store, testRepo, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := summary(rep.Changes); !slices.Equal(got, want) || !rep.Written || rep.Backup != wantBackup || rep.Added != len(want) {
			t.Errorf("rebuild: changes %q (want %q), report %+v", got, want, rep)
		}
		if got := e.read(t, wantBackup); string(got) != garbage {
			t.Errorf("backup holds %q, want the unreadable bytes %q", got, garbage)
		}
		doc := checkMatches(t, e)
		if len(doc.Objects) != len(want) {
			t.Errorf("rebuilt document has %d entries, want %d: %v", len(doc.Objects), len(want), doc.Objects)
		}
		for p, m := range doc.Objects {
			if !backendtest.IsUUID(m.ID) {
				t.Errorf("%s: id %q, want an RFC 9562 UUID", p, m.ID)
			}
		}
		if m := doc.Objects[wantBackup]; m.Size != int64(len(garbage)) || m.Checksum != wantSHA256([]byte(garbage)) {
			t.Errorf("backup entry %+v", m)
		}
		if mt := doc.Objects["c.json"].MimeType; !strings.HasPrefix(mt, "application/json") {
			t.Errorf("c.json: mime type %q", mt)
		}

		// The metadata takes updates again, and a listing shows the backup.
		info := e.put(t, "after.txt", "recorded normally\n")
		e.record(t, "after.txt", backend.NewObjectMeta(testRepo, info, nil, time.Now()))
		if _, ok := e.metadata(t).Objects["after.txt"]; !ok {
			t.Errorf("the update after the rebuild did not land")
		}
		page, err := e.store.ListObjects(ctx, testRepo, "", backend.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(page.Items, func(en backend.Entry) bool { return en.Path == wantBackup }) {
			t.Errorf("the backup is not listed: %+v", page.Items)
		}

		// A readable file: an ordinary repair, nothing rebuilt.
		rep, err = Run(ctx, e.store, testRepo, Options{Rebuild: true, Verify: true})
		if err != nil || rep.Unreadable || rep.Backup != "" || len(rep.Changes) != 0 || rep.Written {
			t.Errorf("rebuild of a readable file: %v, %+v", err, rep)
		}
	})
}

// rebuildRacer is a real store where another writer replaces the
// metadata file just before the rebuild reads it (before) or while it
// reads the objects (during).
type rebuildRacer struct {
	backend.Store
	before, during func()
}

func (r rebuildRacer) RebuildMetadata(ctx context.Context, repo backend.RepoRef, backup string, build func([]byte) (backend.SourceMetadata, error)) (backend.ObjectMeta, error) {
	if r.before != nil {
		r.before()
	}
	return backend.RebuildMetadata(ctx, r.Store, repo, backup, func(raw []byte) (backend.SourceMetadata, error) {
		doc, err := build(raw)
		if r.during != nil {
			r.during()
		}
		return doc, err
	})
}

// A rebuild never writes over a file another writer fixed or replaced
// since it was read.
func TestRebuildRefusesChangedFile(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const fixed = `{"repository_id": "data", "account_id": "acme", "objects": {"a.txt": {"id": "fixed-by-hand", "type": "file"}}}`
		for _, tc := range []struct {
			name        string
			replacement string
			before      bool
		}{
			{"fixed while reading", fixed, false},
			{"other garbage while reading", "other garbage", false},
			{"fixed before", fixed, true},
		} {
			e.corrupt(t, "{}") // readable again, so that the scene records its entries
			e.corruptScene(t)
			stamp := rebuildTime.Add(time.Duration(len(tc.name)) * time.Minute)
			backup := backend.CorruptMetadataName(stamp)
			replace := func() { e.corrupt(t, tc.replacement) }
			r := rebuildRacer{Store: e.store, during: replace}
			if tc.before {
				r = rebuildRacer{Store: e.store, before: replace}
			}
			_, err := Run(ctx, r, testRepo, Options{Rebuild: true, Now: func() time.Time { return stamp }})
			if !errors.Is(err, backend.ErrMetadataChanged) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: %v, want one line wrapping ErrMetadataChanged", tc.name, err)
			}
			if got := e.metadataBytes(t); string(got) != tc.replacement {
				t.Errorf("%s: the metadata file holds %q, want the other writer's %q", tc.name, got, tc.replacement)
			}
			// A store that cannot make the copy and the write one step
			// may leave the copy; it must then hold the bytes read.
			if e.exists(t, backup) {
				if e.name == "local" || tc.before {
					t.Errorf("%s: a refused rebuild left %s", tc.name, backup)
				} else if got := e.read(t, backup); string(got) != garbage {
					t.Errorf("%s: the copy left holds %q", tc.name, got)
				}
			}
		}
	})
}

// Behind the access layer a rebuild needs write access, and is recorded
// as a metadata update.
func TestRebuildThroughAccess(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if err := e.store.CreateAccount(ctx, backend.Account{ID: "bob", Type: backend.AccountUser}); err != nil {
			t.Fatal(err)
		}
		if err := access.SetMember(ctx, e.store, testRepo.AccountID, "bob", access.RoleRead); err != nil {
			t.Fatal(err)
		}
		e.corruptScene(t)
		opts := Options{Rebuild: true, Now: func() time.Time { return rebuildTime }}

		log := &accesstest.Recorder{}
		bob := access.New(e.store, access.AsAccount("bob", "test"), access.WithAudit(log))
		_, err := backend.RebuildMetadata(ctx, bob, testRepo, wantBackup, func([]byte) (backend.SourceMetadata, error) {
			t.Error("build ran for a reader")
			return backend.SourceMetadata{}, nil
		})
		if !errors.Is(err, backend.ErrUnauthorized) {
			t.Errorf("rebuild by a reader: %v, want not allowed", err)
		}
		if _, err := Run(ctx, bob, testRepo, opts); !errors.Is(err, backend.ErrUnauthorized) {
			t.Errorf("repair --rebuild by a reader: %v, want not allowed", err)
		}
		if got := e.metadataBytes(t); string(got) != garbage || e.exists(t, wantBackup) {
			t.Errorf("a refused rebuild changed something: metadata %q, backup there: %v", got, e.exists(t, wantBackup))
		}
		evs := log.Events()
		if len(evs) == 0 || evs[0].Action != audit.ActionMetadataUpdate || evs[0].Result != audit.ResultDenied || evs[0].Target != testRepo.String() {
			t.Errorf("audit of the refusal: %+v", evs)
		}

		owner := access.New(e.store, access.Owner("test"), access.WithAudit(log))
		rep, err := Run(ctx, owner, testRepo, opts)
		if err != nil || !rep.Written {
			t.Fatalf("rebuild by the owner: %v, %+v", err, rep)
		}
		evs = log.Events()
		last := evs[len(evs)-1]
		if last.Action != audit.ActionMetadataUpdate || last.Result != audit.ResultOK || !strings.Contains(last.Detail, wantBackup) {
			t.Errorf("audit of the rebuild: %+v", last)
		}
		if !bytes.Equal(e.read(t, wantBackup), []byte(garbage)) {
			t.Errorf("backup does not hold the unreadable bytes")
		}
		checkMatches(t, e)
	})
}

// The backup never replaces an object: the rebuild stops, writing nothing.
func TestRebuildKeepsExistingObject(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		e.corruptScene(t)
		e.put(t, wantBackup, "somebody's own file")
		_, err := Run(context.Background(), e.store, testRepo, Options{Rebuild: true, Now: func() time.Time { return rebuildTime }})
		if !errors.Is(err, backend.ErrObjectExists) {
			t.Errorf("rebuild onto an existing object: %v, want ErrObjectExists", err)
		}
		if got := e.read(t, wantBackup); string(got) != "somebody's own file" {
			t.Errorf("the object was replaced by %q", got)
		}
		if got := e.metadataBytes(t); string(got) != garbage {
			t.Errorf("the metadata file was written: %q", got)
		}
	})
}
