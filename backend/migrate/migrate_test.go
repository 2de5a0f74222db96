package migrate_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/migrate"
	"github.com/coopterm/coop/backend/migrate/migratetest"
)

func run(t *testing.T, src, dst backend.Store, opts migrate.Options) *migrate.Report {
	t.Helper()
	rep, err := migrate.Run(context.Background(), src, dst, opts)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return rep
}

// TestRoundTripThroughAWS moves a local store to DynamoDB Local and
// versitygw and from there to a new local store: every catalog item with
// its unknown attributes, keys and members, every object's bytes, every
// metadata entry with its id, times, custom metadata and unknown fields.
func TestRoundTripThroughAWS(t *testing.T) {
	src := newLocal(t, true)
	migratetest.Populate(t, src)
	want := migratetest.Take(t, src)
	if want.Accounts["alice"]["stripe_customer"] != "cus_123" || want.Repos["geo/maps"]["doi"] == nil ||
		!strings.Contains(want.Entries["alice/field-notes/2024/spring/site-a/obs.csv"], `"x_reviewed_by":"carol"`) ||
		!strings.Contains(want.Heads["alice/field-notes/schema"], `"max":123456789012345678901234567890}`) {
		t.Fatalf("the fixture lacks its foreign fields: %v", want)
	}

	remote := newAWS(t)
	rep := run(t, src, remote, migrate.Options{Verify: true})
	if !rep.OK() {
		t.Fatalf("local → aws: conflicts %v mismatches %v failed %v", rep.Conflicts, rep.Mismatches, rep.Failed)
	}
	if rep.Accounts.Copied != 3 || rep.Objects.Copied != int64(len(migratetest.Objects)) || rep.Verified != int64(len(migratetest.Objects)) || rep.HeadFields.Copied != 3 {
		t.Errorf("local → aws: accounts %+v objects %+v verified %d top-level fields %+v", rep.Accounts, rep.Objects, rep.Verified, rep.HeadFields)
	}
	migratetest.Equal(t, want, migratetest.Take(t, remote))

	back := newLocal(t, false)
	rep = run(t, remote, back, migrate.Options{Verify: true})
	if !rep.OK() {
		t.Fatalf("aws → local: conflicts %v mismatches %v failed %v", rep.Conflicts, rep.Mismatches, rep.Failed)
	}
	migratetest.Equal(t, want, migratetest.Take(t, back))
	if len(rep.Notes) != 1 || rep.Notes[0].Target != "bob/empty" {
		t.Errorf("notes: %v, want one: bob/empty has no metadata file", rep.Notes)
	}

	// aws → aws: another bucket and other tables.
	other := newAWS(t)
	if rep := run(t, remote, other, migrate.Options{}); !rep.OK() || rep.Objects.Copied != int64(len(migratetest.Objects)) {
		t.Fatalf("aws → aws: objects %+v issues %v %v", rep.Objects, rep.Conflicts, rep.Failed)
	}
	migratetest.Equal(t, want, migratetest.Take(t, other))

	// Run again: everything is there already.
	rep = run(t, back, remote, migrate.Options{})
	if !rep.OK() || rep.Objects.Copied != 0 || rep.Metadata.Copied != 0 || rep.Accounts.Skipped != 3 || rep.Objects.Skipped != int64(len(migratetest.Objects)) ||
		rep.HeadFields.Skipped != 3 || rep.HeadFields.Copied != 0 {
		t.Errorf("rerun: accounts %+v objects %+v metadata %+v top-level fields %+v issues %v %v", rep.Accounts, rep.Objects, rep.Metadata, rep.HeadFields, rep.Conflicts, rep.Failed)
	}
	migratetest.Equal(t, want, migratetest.Take(t, remote))
}

// TestRerunSkipsWhatIsThere copies a store twice: the second run copies
// nothing and changes nothing.
func TestRerunSkipsWhatIsThere(t *testing.T) {
	src, dst := newLocal(t, true), newLocal(t, false)
	migratetest.Populate(t, src)
	first := run(t, src, dst, migrate.Options{})
	if !first.OK() || first.Objects.Copied != int64(len(migratetest.Objects)) || first.Metadata.Copied == 0 {
		t.Fatalf("first run: objects %+v metadata %+v issues %v %v", first.Objects, first.Metadata, first.Conflicts, first.Failed)
	}
	after := migratetest.Take(t, dst)
	second := run(t, src, dst, migrate.Options{})
	if !second.OK() || second.Objects.Copied != 0 || second.Metadata.Copied != 0 || second.Accounts.Copied != 0 ||
		second.Objects.Skipped != first.Objects.Copied || second.Metadata.Skipped != first.Metadata.Copied {
		t.Errorf("second run: accounts %+v objects %+v metadata %+v", second.Accounts, second.Objects, second.Metadata)
	}
	for _, r := range second.Repositories {
		if r.Item != "skipped" {
			t.Errorf("%s: item %s on the second run", r.Repository, r.Item)
		}
	}
	migratetest.Equal(t, after, migratetest.Take(t, dst))
}

// TestConflictsAreLeftAlone puts different things at the destination
// first: they are reported and kept, unless Overwrite.
func TestConflictsAreLeftAlone(t *testing.T) {
	ctx := context.Background()
	src, dst := newLocal(t, true), newLocal(t, true)
	migratetest.Populate(t, src)
	run(t, src, dst, migrate.Options{})
	ref := backend.RepoRef{AccountID: "alice", RepositoryID: "field-notes"}
	if _, err := dst.PutObject(ctx, ref, "README.md", strings.NewReader("# Other notes\n"), 14); err != nil {
		t.Fatal(err)
	}
	meta, err := dst.ReadObjectMetadata(ctx, ref, "2024/autumn/summary.json")
	if err != nil {
		t.Fatal(err)
	}
	meta.Metadata = map[string]any{"edited": "at the destination"}
	if err := dst.UpdateObjectMetadata(ctx, ref, "2024/autumn/summary.json", &meta); err != nil {
		t.Fatal(err)
	}
	bob, err := dst.FindAccount(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	bob.Name = "Robert"
	if err := dst.UpdateAccount(ctx, bob); err != nil {
		t.Fatal(err)
	}
	// A top-level field of the metadata file another tool changed there,
	// and one only the destination has.
	head := backend.NewMetadataBatch(time.Time{})
	head.SetHeadField("schema", json.RawMessage(`{"version":4}`))
	head.SetHeadField("x_local", json.RawMessage(`{"kept":true}`))
	if _, err := dst.UpdateMetadata(ctx, ref, head); err != nil {
		t.Fatal(err)
	}
	before := migratetest.Take(t, dst)

	rep := run(t, src, dst, migrate.Options{})
	got := map[string]bool{}
	for _, c := range rep.Conflicts {
		got[c.Kind+" "+c.Target] = true
	}
	for _, w := range []string{"object alice/field-notes/README.md", "metadata alice/field-notes/2024/autumn/summary.json", "account bob", "metadata alice/field-notes"} {
		if !got[w] {
			t.Errorf("no conflict %q in %v", w, rep.Conflicts)
		}
	}
	if len(rep.Conflicts) != 4 || rep.OK() || rep.HeadFields.Conflicts != 1 || rep.HeadFields.Skipped != 2 {
		t.Errorf("conflicts: %v, top-level fields %+v", rep.Conflicts, rep.HeadFields)
	}
	if d := migratetest.Diff(before, migratetest.Take(t, dst)); len(d) > 0 {
		t.Errorf("the destination changed on conflicts: %v", d)
	}

	rep = run(t, src, dst, migrate.Options{Overwrite: true})
	if !rep.OK() || rep.Accounts.Overwritten != 1 || rep.Objects.Overwritten != 1 || rep.Metadata.Overwritten != 1 || rep.HeadFields.Overwritten != 1 {
		t.Errorf("overwrite: accounts %+v objects %+v metadata %+v top-level fields %+v issues %v", rep.Accounts, rep.Objects, rep.Metadata, rep.HeadFields, rep.Conflicts)
	}
	after := migratetest.Take(t, dst)
	if after.Heads["alice/field-notes/x_local"] != `{"kept":true}` {
		t.Errorf("the destination's own top-level field: %q, want it kept", after.Heads["alice/field-notes/x_local"])
	}
	delete(after.Heads, "alice/field-notes/x_local")
	migratetest.Equal(t, migratetest.Take(t, src), after)
}

// TestHeadFieldsIntoExistingDocument copies the top-level fields of a
// metadata file into a destination document that lacks them, entries
// being there already: they go with the entries' writes.
func TestHeadFieldsIntoExistingDocument(t *testing.T) {
	ctx := context.Background()
	src, dst := newLocal(t, true), newLocal(t, false)
	migratetest.Populate(t, src)
	run(t, src, dst, migrate.Options{})
	ref := backend.RepoRef{AccountID: "alice", RepositoryID: "field-notes"}
	drop := backend.NewMetadataBatch(time.Time{})
	for name := range migratetest.HeadFields[ref] {
		drop.SetHeadField(name, nil)
	}
	if err := dst.UpdateObjectMetadata(ctx, ref, "README.md", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.UpdateMetadata(ctx, ref, drop); err != nil {
		t.Fatal(err)
	}
	if snap := migratetest.Take(t, dst); snap.Heads["alice/field-notes/schema"] != "" {
		t.Fatalf("the fields were not dropped: %v", snap.Heads)
	}
	rec := &recorder{}
	rep := run(t, src, dst, migrate.Options{Audit: rec})
	if !rep.OK() || rep.HeadFields.Copied != 2 || rep.HeadFields.Skipped != 1 || rep.Metadata.Copied != 1 {
		t.Errorf("top-level fields %+v metadata %+v issues %v %v", rep.HeadFields, rep.Metadata, rep.Conflicts, rep.Failed)
	}
	writes := 0
	for _, ev := range rec.events {
		if ev.Action == audit.ActionMetadataUpdate {
			writes++
			if !strings.Contains(ev.Detail, "1 entries, 2 top-level fields") {
				t.Errorf("audit of the write: %q", ev.Detail)
			}
		}
	}
	if writes != 1 {
		t.Errorf("%d metadata writes, want the entry and the fields in one", writes)
	}
	migratetest.Equal(t, migratetest.Take(t, src), migratetest.Take(t, dst))
}

// TestSkipExistingDoesNotCompare leaves a differing object alone without
// a conflict; Verify then finds it.
func TestSkipExistingAndVerify(t *testing.T) {
	ctx := context.Background()
	src, dst := newLocal(t, true), newLocal(t, true)
	migratetest.Populate(t, src)
	run(t, src, dst, migrate.Options{})
	ref := backend.RepoRef{AccountID: "geo", RepositoryID: "maps"}
	body := migratetest.Objects["geo/maps/index.html"]
	corrupt := strings.ToUpper(body) // same size, other bytes
	if _, err := dst.PutObject(ctx, ref, "index.html", strings.NewReader(corrupt), int64(len(corrupt))); err != nil {
		t.Fatal(err)
	}
	rep := run(t, src, dst, migrate.Options{SkipExisting: true})
	if !rep.OK() || rep.Objects.Skipped != int64(len(migratetest.Objects)) {
		t.Errorf("skip existing: objects %+v conflicts %v", rep.Objects, rep.Conflicts)
	}
	rep = run(t, src, dst, migrate.Options{SkipExisting: true, Verify: true})
	if rep.OK() || len(rep.Mismatches) != 1 || rep.Mismatches[0].Target != "geo/maps/index.html" {
		t.Fatalf("verify: mismatches %v", rep.Mismatches)
	}
	if rep.Verified != int64(len(migratetest.Objects))-1 {
		t.Errorf("verified %d objects, want all but one", rep.Verified)
	}
}

// TestDryRunChangesNothing plans a migration into an empty folder: the
// plan counts everything and the folder stays empty.
func TestDryRunChangesNothing(t *testing.T) {
	src, dst := newLocal(t, true), newLocal(t, false)
	migratetest.Populate(t, src)
	rep := run(t, src, dst, migrate.Options{DryRun: true, Verify: true})
	if !rep.OK() || rep.Accounts.Copied != 3 || rep.Objects.Copied != int64(len(migratetest.Objects)) || rep.Metadata.Copied == 0 || rep.Bytes == 0 {
		t.Errorf("plan: accounts %+v objects %+v metadata %+v bytes %d", rep.Accounts, rep.Objects, rep.Metadata, rep.Bytes)
	}
	if page, err := dst.ListAccounts(context.Background(), "", backend.PageRequest{}); err == nil && len(page.Items) > 0 {
		t.Errorf("the dry run wrote accounts: %v", page.Items)
	}
	if ents, _ := os.ReadDir(dst.Location()); len(ents) > 1 {
		t.Errorf("the dry run wrote in the destination folder: %v", ents)
	}
}

// TestSelectionAndOtherAccounts copies one repository into a store that
// holds other accounts: they are left as they were.
func TestSelectionAndOtherAccounts(t *testing.T) {
	ctx := context.Background()
	src, dst := newLocal(t, true), newLocal(t, true)
	migratetest.Populate(t, src)
	if err := dst.CreateAccount(ctx, backend.Account{ID: "zed", Type: backend.AccountUser, Name: "Zed"}); err != nil {
		t.Fatal(err)
	}
	if err := dst.CreateRepository(ctx, backend.Repository{ID: "own", AccountID: "zed", Title: "Own"}); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.PutObject(ctx, backend.RepoRef{AccountID: "zed", RepositoryID: "own"}, "f", strings.NewReader("zed"), 3); err != nil {
		t.Fatal(err)
	}
	before := migratetest.Take(t, dst)
	sel, err := migrate.ParseSelection("geo/maps")
	if err != nil {
		t.Fatal(err)
	}
	rep := run(t, src, dst, migrate.Options{Select: []migrate.Selection{sel}})
	if !rep.OK() || len(rep.Repositories) != 1 || rep.Accounts.Copied != 1 {
		t.Fatalf("selection: accounts %+v repositories %d", rep.Accounts, len(rep.Repositories))
	}
	after := migratetest.Take(t, dst)
	srcSnap := migratetest.Take(t, src)
	for k := range after.Objects {
		if !strings.HasPrefix(k, "geo/maps/") && !strings.HasPrefix(k, "zed/") {
			t.Errorf("%s copied outside the selection", k)
		}
		if strings.HasPrefix(k, "geo/maps/") && after.Objects[k] != srcSnap.Objects[k] {
			t.Errorf("%s differs", k)
		}
	}
	for k, v := range srcSnap.Entries {
		if strings.HasPrefix(k, "geo/maps/") && after.Entries[k] != v {
			t.Errorf("entry %s: %s, want %s", k, after.Entries[k], v)
		}
	}
	if after.Objects["zed/own/f"] != before.Objects["zed/own/f"] || !backend.SameItem(after.Accounts["zed"], before.Accounts["zed"]) {
		t.Error("the destination's own account changed")
	}
	if _, ok := after.Accounts["alice"]; ok {
		t.Error("alice copied though only geo/maps was selected")
	}
}

// TestAuditAtDestination records one event per account, repository and
// batch.
func TestAuditAtDestination(t *testing.T) {
	src, dst := newLocal(t, true), newLocal(t, false)
	migratetest.Populate(t, src)
	rec := &recorder{}
	run(t, src, dst, migrate.Options{Audit: rec, Actor: "local:tester"})
	count := map[string]int{}
	for _, ev := range rec.events {
		count[ev.Action]++
		if ev.Actor != "local:tester" || ev.Result != audit.ResultOK || !strings.Contains(ev.Detail, "migrate from "+src.Location()) {
			t.Errorf("event %+v", ev)
		}
	}
	// 3 accounts, 4 repositories, one batch of objects in each, one batch
	// of entries in each of the 3 with a metadata file.
	if count[audit.ActionAccountCreate] != 3 || count[audit.ActionRepoCreate] != 4 || count[audit.ActionUpload] != 4 || count[audit.ActionMetadataUpdate] != 3 {
		t.Errorf("audit events by action: %v", count)
	}
}

type recorder struct {
	mu     sync.Mutex
	events []audit.Event
}

func (r *recorder) Record(ev audit.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

// TestEntriesCheckedAgainstArrivedBytes copies an entry whose checksum
// and size do not match its object as it was written, with a note.
func TestEntriesCheckedAgainstArrivedBytes(t *testing.T) {
	ctx := context.Background()
	src, dst := newLocal(t, true), newLocal(t, false)
	migratetest.Populate(t, src)
	ref := backend.RepoRef{AccountID: "alice", RepositoryID: "field-notes"}
	m, err := src.ReadObjectMetadata(ctx, ref, "README.md")
	if err != nil {
		t.Fatal(err)
	}
	m.Checksum = "sha256:" + strings.Repeat("ab", 32)
	m.Size++
	if err := src.UpdateObjectMetadata(ctx, ref, "README.md", &m); err != nil {
		t.Fatal(err)
	}
	rep := run(t, src, dst, migrate.Options{})
	var notes []string
	for _, n := range rep.Notes {
		if n.Target == "alice/field-notes/README.md" {
			notes = append(notes, n.Reason)
		}
	}
	if len(notes) != 2 || !strings.Contains(notes[0]+notes[1], "checksum differs") || !strings.Contains(notes[0]+notes[1], "says 15 bytes") {
		t.Errorf("notes: %q", notes)
	}
	got, err := dst.ReadObjectMetadata(ctx, ref, "README.md")
	if err != nil || got.Checksum != m.Checksum || got.Size != m.Size || got.ID != m.ID {
		t.Errorf("entry at the destination: %+v, %v; want it as it was", got, err)
	}
}

// TestWholeStoreFromDynamoDBFindsEveryType migrates a store on DynamoDB
// Local holding an account of a type other tools use ("bot"), which the
// type index is not asked for: a whole-store migration copies it and its
// repository all the same.
func TestWholeStoreFromDynamoDBFindsEveryType(t *testing.T) {
	ctx := context.Background()
	src := newAWS(t)
	if err := src.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if err := src.CreateAccount(ctx, backend.Account{ID: "alice", Type: backend.AccountUser, Name: "Alice"}); err != nil {
		t.Fatal(err)
	}
	bot := backend.Item{"account_id": "io", "type": "bot", "name": "IO bot", "created_at": "2024-05-01T00:00:00Z",
		"updated_at": "2024-05-01T00:00:00Z", "metadata_public": map[string]any{}, "metadata_private": map[string]any{}, "x_owner": "alice"}
	if err := src.PutAccountItem(ctx, bot); err != nil {
		t.Fatal(err)
	}
	if err := src.CreateRepository(ctx, backend.Repository{ID: "feeds", AccountID: "io", Title: "Feeds", Visibility: backend.VisibilityPublic}); err != nil {
		t.Fatal(err)
	}
	ref := backend.RepoRef{AccountID: "io", RepositoryID: "feeds"}
	if _, err := src.PutObject(ctx, ref, "feed.json", strings.NewReader("{}"), 2); err != nil {
		t.Fatal(err)
	}

	dst := newLocal(t, false)
	rep := run(t, src, dst, migrate.Options{})
	if !rep.OK() || rep.Accounts.Copied != 2 || rep.Objects.Copied != 1 {
		t.Fatalf("accounts %+v objects %+v issues %v %v", rep.Accounts, rep.Objects, rep.Conflicts, rep.Failed)
	}
	got, err := dst.AccountItem(ctx, "io", "bot")
	if err != nil {
		t.Fatalf("the bot account at the destination: %v", err)
	}
	if got.Str("x_owner") != "alice" || got.Str("name") != "IO bot" {
		t.Errorf("the bot account at the destination: %v", got)
	}
	if _, err := dst.GetRepository(ctx, "io", "feeds"); err != nil {
		t.Errorf("its repository at the destination: %v", err)
	}
	if rep := run(t, src, dst, migrate.Options{}); !rep.OK() || rep.Accounts.Skipped != 2 {
		t.Errorf("rerun: accounts %+v", rep.Accounts)
	}
}
