package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/internal/testservers"
)

// oneWay is the delay each way of the network in the round-trip tests:
// long enough that requests sent together are told from requests sent in
// turn on a loaded machine, short enough to keep the tests quick.
const oneWay = 100 * time.Millisecond

// distantStore is an AWS store whose S3 and DynamoDB are both behind a
// delaying, counting proxy, with acme/data holding a.csv, sub/x.csv and
// their entries.
type distantStore struct {
	env   []string
	s3    *testservers.FaultProxy
	dyn   *testservers.FaultProxy
	trace *testservers.Trace
	// s3srv and bucket reach the bucket straight, not through the proxy.
	s3srv  *testservers.S3Server
	bucket string
}

func newDistantStore(t *testing.T) *distantStore {
	t.Helper()
	dynamo := testservers.StartDynamo(t)
	s3srv := testservers.StartS3(t)
	bucket := testservers.UniqueName("rtt")
	if err := s3srv.CreateBucket(t.Context(), bucket); err != nil {
		t.Fatal(err)
	}
	d := &distantStore{trace: &testservers.Trace{}, s3srv: s3srv, bucket: bucket}
	d.s3 = testservers.StartFaultProxy(t, s3srv.Endpoint)
	d.dyn = testservers.StartFaultProxy(t, dynamo)
	viaProxy := *s3srv
	viaProxy.Endpoint = d.s3.URL
	d.env = append(testservers.CoopEnv(d.dyn.URL, &viaProxy, bucket), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_CACHE_HOME="+t.TempDir())
	makeAcme(t, d.env)
	src := filepath.Join(t.TempDir(), "a.csv")
	writeFile(t, src, "station,value\nst-42,7\n")
	wantRun(t, d.env, 0, "upload", src, "acme/data/a.csv")
	dir := filepath.Join(t.TempDir(), "sub")
	writeFile(t, filepath.Join(dir, "x.csv"), "a,b\n1,2\n")
	wantRun(t, d.env, 0, "upload", dir, "acme/data")
	for _, p := range []*testservers.FaultProxy{d.s3, d.dyn} {
		p.SetDelay(oneWay)
		p.SetTrace(d.trace)
	}
	return d
}

// measure runs one command and returns the requests it made, in the
// order they were sent, and its sequential round trips.
//
// A request the command before sent just before it ended (a lookup
// refreshed in the background, which nothing waited for) may reach the
// servers after that command is gone: it was sent before this command
// started, and is left out.
//
// A repository lookup sent half a decision's life or more after the
// command's first lookup was sent is the access layer's refresh of a
// command that has run that long (backend/access keeps its 2 s decision
// fresh in the background while requests are in flight, so that a write
// never waits for a lookup): on a loaded machine the commands here can
// take that long. It is left out of ops and rounds; a lookup any sooner
// is counted. A decision's life runs from before its lookup is sent, so
// the first lookup's start is where it is measured from: measured from
// its answer, a lookup the load kept 100 ms or more made a refresh look
// early enough to count (seen at load 30: rm of one file counted 7
// requests).
func (d *distantStore) measure(t *testing.T, args ...string) (ops []string, rounds int) {
	t.Helper()
	d.trace.Reset()
	start := time.Now()
	wantRun(t, d.env, 0, args...)
	var counted []testservers.Span
	var decided time.Time
	for _, s := range d.trace.Spans() {
		if s.Start.Before(start) {
			continue
		}
		if s.Op == "GetItem" {
			if decided.IsZero() {
				decided = s.Start
			} else if s.Start.Sub(decided) >= refreshAfter {
				t.Logf("coop %s: a refresh of the access decision left out (%v after the first lookup)",
					strings.Join(args, " "), s.Start.Sub(decided).Round(time.Millisecond))
				continue
			}
		}
		counted = append(counted, s)
		ops = append(ops, s.Op)
	}
	return ops, testservers.RoundsOf(counted)
}

// refreshAfter is when the access layer may refresh its decision on a
// repository in the background: half its 2 s life (backend/access
// decisionTTL), less a margin for the time between the decision's clock
// reading and its lookup reaching the proxy.
const refreshAfter = 900 * time.Millisecond

// Each command's requests and round trips at a distance, so that a
// change that adds one fails here rather than in a benchmark.
func TestRoundTripsAtADistance(t *testing.T) {
	d := newDistantStore(t)
	src := filepath.Join(t.TempDir(), "b.csv")
	writeFile(t, src, "station,value\nst-43,8\n")
	dst := filepath.Join(t.TempDir(), "got.csv")
	two := filepath.Join(t.TempDir(), "two")
	writeFile(t, filepath.Join(two, "1.csv"), "a\n1\n")
	writeFile(t, filepath.Join(two, "2.csv"), "a\n2\n")
	wantRun(t, d.env, 0, "upload", two, "acme/data")
	for _, tc := range []struct {
		args     []string
		requests int
		rounds   int
	}{
		// The repository, the object, its first bytes (the content line)
		// and its entry, all at once.
		{[]string{"stat", "acme/data/a.csv"}, 4, 1},
		// The listing, with the repository checked beside it.
		{[]string{"ls", "acme/data"}, 2, 1},
		// The repository and the target; the object, with stale
		// uploads cleaned and the check whether the repository has a
		// document (a first write records the objects already there)
		// beside it; the metadata's write, conditional on the version
		// that check found.
		{[]string{"upload", src, "acme/data/b.csv"}, 6, 3},
		// The repository and the source as a folder (the listing a
		// folder's download would walk) and a file; its entry beside the
		// content (the object is not looked up again).
		{[]string{"download", "acme/data/a.csv", dst}, 5, 2},
		// A folder: the repository, the object and its first bytes (none)
		// and its entry; the folder, listed to make sure beside the
		// listing that tells whether it is a Zarr store.
		{[]string{"stat", "acme/data/sub"}, 6, 2},
		// The repository, the source as a file (its HEAD only: no
		// listing after its 404) and as a folder: the listing the
		// download walks, whose first answer tells the folder, with the
		// metadata's checksums read beside it (transfer.Prefetch); the
		// content.
		{[]string{"download", "acme/data/sub", t.TempDir()}, 5, 2},
		// The repository, the path as a file (its HEAD) and the folder's
		// listing, which tells a folder and goes on into the delete; the
		// batch, with the check whether the repository has a document
		// beside it; the metadata's write, conditional on the version
		// that check found.
		{[]string{"rm", "-r", "--yes", "acme/data/sub"}, 6, 3},
		// A file: the repository and the path as a folder and a file;
		// the delete (a batch of one: the object is known, no HEAD
		// first), with the check whether the repository has a document
		// beside it; the metadata's write.
		{[]string{"rm", "acme/data/b.csv"}, 6, 3},
		// Two files: both looked up at once, then as one file.
		{[]string{"rm", "acme/data/two/1.csv", "acme/data/two/2.csv"}, 9, 3},
	} {
		ops, rounds := d.measure(t, tc.args...)
		t.Logf("coop %s: %d requests in %d round trips: %s", strings.Join(tc.args, " "), len(ops), rounds, strings.Join(ops, " "))
		if len(ops) > tc.requests || rounds > tc.rounds {
			t.Errorf("coop %s: %d requests in %d round trips, want at most %d in %d: %s",
				strings.Join(tc.args, " "), len(ops), rounds, tc.requests, tc.rounds, strings.Join(ops, " "))
		}
	}
	if got, err := os.ReadFile(dst); err != nil || string(got) != "station,value\nst-42,7\n" {
		t.Errorf("download: %q, %v", got, err)
	}
}

// A large file's upload at a distance: the multipart upload is created
// while its first part is read and beside the clean-up of stale uploads,
// and from 64 MiB the question whether the name is taken runs beside the
// upload instead of before it; the metadata write follows the
// completion at once. So the upload is created one round trip after the
// start (the first part goes as soon as it is created and the part is
// read), and the command ends two after the last part. (How soon the
// parts go once created depends on how fast the file is read and hashed,
// which on a loaded machine can take longer than a round trip: that is
// not counted.)
func TestLargeUploadRoundTripsAtADistance(t *testing.T) {
	d := newDistantStore(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		mib  int
	}{
		{"parts.bin", 17},
		{"checked.bin", 65},
	} {
		src := filepath.Join(dir, tc.name)
		body := make([]byte, tc.mib<<20)
		for i := range body {
			body[i] = byte(i * 7 / 5)
		}
		if err := os.WriteFile(src, body, 0o644); err != nil {
			t.Fatal(err)
		}
		ops, _ := d.measure(t, "upload", src, "acme/data/"+tc.name)
		var created, last time.Time
		for _, s := range d.trace.Spans() {
			switch s.Op {
			case "CreateMultipartUpload":
				created = s.Start
			case "UploadPart":
				if s.End.After(last) {
					last = s.End
				}
			}
		}
		if created.IsZero() || last.IsZero() {
			t.Fatalf("coop upload %s: not a multipart upload: %s", tc.name, strings.Join(ops, " "))
		}
		// The repository and the target (stale uploads cleaned, the
		// document and the name checked beside the creation).
		before := d.trace.RoundsBy(created.Add(oneWay / 2))
		// The completion; the metadata's write.
		after := d.trace.RoundsFrom(last.Add(-oneWay / 2))
		t.Logf("coop upload %s (%d MiB): %d requests, %d round trips before the upload is created, %d after the last part: %s",
			tc.name, tc.mib, len(ops), before, after, strings.Join(ops, " "))
		if before > 1 || after > 2 {
			t.Errorf("coop upload %s (%d MiB): %d round trips before the upload is created and %d after the last part, want at most 1 and 2: %s",
				tc.name, tc.mib, before, after, strings.Join(ops, " "))
		}
		dst := filepath.Join(dir, tc.name+".back")
		wantRun(t, d.env, 0, "download", "acme/data/"+tc.name, dst)
		if got, err := os.ReadFile(dst); err != nil || !bytes.Equal(got, body) {
			t.Errorf("%s: downloaded %d bytes (%v), not the file's %d", tc.name, len(got), err, len(body))
		}
	}
}

// An upload of a folder of small files into a repository just created
// (no metadata document yet), as the benchmark's: the requests that do
// not need the objects (the repository, the clean-up of stale uploads,
// the check for a document and the listing of the objects already
// there) go beside the PUTs, so the job waits for the PUTs and then one
// metadata write.
func TestUploadIntoNewRepositoryRoundTrips(t *testing.T) {
	d := newDistantStore(t)
	for _, p := range []*testservers.FaultProxy{d.s3, d.dyn} {
		p.SetDelay(0)
	}
	wantRun(t, d.env, 0, "repo", "create", "acme/fresh", "--visibility", "public")
	for _, p := range []*testservers.FaultProxy{d.s3, d.dyn} {
		p.SetDelay(oneWay)
	}
	dir := filepath.Join(t.TempDir(), "small")
	for i := range 10 {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("f%02d.bin", i)), strings.Repeat("x", 1000+i))
	}
	ops, rounds := d.measure(t, "upload", dir, "acme/fresh")
	if testing.Verbose() {
		spans := d.trace.Spans()
		for _, s := range spans {
			t.Logf("%-22s %5d %5d ms", s.Op, s.Start.Sub(spans[0].Start).Milliseconds(), s.End.Sub(spans[0].Start).Milliseconds())
		}
	}
	t.Logf("coop upload of 10 files into a new repository: %d requests in %d round trips: %s", len(ops), rounds, strings.Join(ops, " "))
	if rounds > 3 {
		t.Errorf("coop upload of 10 files into a new repository: %d round trips, want at most 3: %s", rounds, strings.Join(ops, " "))
	}
}

// A folder's download at a distance, the folder said as such (DIR/): the
// connections of the first wave of GETs are opened while the listing is
// awaited, so no GET waits for a handshake once the listing has
// answered — a round trip saved on every worker's first file.
func TestFolderDownloadFindsItsConnectionsOpen(t *testing.T) {
	d := newDistantStore(t)
	const files = 6
	src := filepath.Join(t.TempDir(), "wave")
	for i := range files {
		writeFile(t, filepath.Join(src, fmt.Sprintf("%d.csv", i)), fmt.Sprintf("a\n%d\n", i))
	}
	wantRun(t, d.env, 0, "upload", src, "acme/data")
	dst := t.TempDir()
	ops, rounds := d.measure(t, "download", "--workers", fmt.Sprint(files), "acme/data/wave/", dst)
	t.Logf("coop download wave/: %d requests in %d round trips: %s", len(ops), rounds, strings.Join(ops, " "))
	gets, waited := d.getsWaited()
	if gets != files || waited != 0 {
		t.Errorf("%d GETs of %d files, %d of them waited for a handshake, want none", gets, files, waited)
	}
	for i := range files {
		if got, err := os.ReadFile(filepath.Join(dst, fmt.Sprintf("%d.csv", i))); err != nil || string(got) != fmt.Sprintf("a\n%d\n", i) {
			t.Errorf("%d.csv: %q, %v", i, got, err)
		}
	}
}

// One file uploaded to a PATH that may be a folder: whether the
// repository has a document is asked beside the look at PATH, not after
// its answer, so the object's PUT, the clean-up of stale uploads and
// that check do not meet after it with one connection too few (one of
// them then waited a handshake more; when it was the check, the metadata
// write came a round trip late: TestLongUploadsMetadataWriteWaitsForNoLookup
// failed so in CI).
func TestOneFileUploadAsksAboutTheDocumentBesideTheTarget(t *testing.T) {
	d := newDistantStore(t)
	src := filepath.Join(t.TempDir(), "c.csv")
	writeFile(t, src, "station,value\nst-45,1\n")
	ops, rounds := d.measure(t, "upload", src, "acme/data/c.csv")
	t.Logf("coop upload c.csv: %d requests in %d round trips: %s", len(ops), rounds, strings.Join(ops, " "))
	var target, doc, put *testservers.Span
	spans := d.trace.Spans()
	for i := range spans {
		s := &spans[i]
		switch {
		case s.Op == "ListObjects" && target == nil:
			target = s
		case s.Op == "HeadObject" && doc == nil:
			doc = s
		case s.Op == "PutObject" && put == nil:
			put = s
		}
	}
	if target == nil || doc == nil || put == nil {
		t.Fatalf("coop upload c.csv: want the target's listing, the document's HEAD and the PUT: %s", strings.Join(ops, " "))
	}
	if !doc.Start.Before(target.End) {
		t.Errorf("the document's HEAD was sent %v after the target's listing answered, want beside it",
			doc.Start.Sub(target.End).Round(time.Millisecond))
	}
	for _, s := range spans {
		if !s.Start.Before(target.End) && s.Handshake > oneWay/2 {
			t.Errorf("%s after the target's listing waited %v for a handshake, want none", s.Op, s.Handshake.Round(time.Millisecond))
		}
	}
}

// An upload's first wave goes beside the repository's lookup: the PUTs
// are sent before its answer, and held back by their last byte until
// it comes (backend.Gate), so the server has the files' bytes a round
// trip sooner. An upload into a repository that is not there is cut off
// and leaves nothing, with the same one line as before.
func TestUploadFirstWaveGoesBesideTheLookup(t *testing.T) {
	d := newDistantStore(t)
	dir := filepath.Join(t.TempDir(), "wave")
	for i := range 4 {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("%d.csv", i)), fmt.Sprintf("a\n%d\n", i))
	}
	ops, rounds := d.measure(t, "upload", dir, "acme/data")
	t.Logf("coop upload wave: %d requests in %d round trips: %s", len(ops), rounds, strings.Join(ops, " "))
	var lookup *testservers.Span
	spans := d.trace.Spans()
	for i := range spans {
		if spans[i].Op == "GetItem" && lookup == nil {
			lookup = &spans[i]
		}
	}
	if lookup == nil {
		t.Fatalf("no repository lookup: %s", strings.Join(ops, " "))
	}
	early := 0
	for _, s := range spans {
		if s.Op == "PutObject" && s.Start.Before(lookup.End.Add(-oneWay)) {
			early++
		}
	}
	if early < 4 {
		t.Errorf("%d PUTs sent before the repository's lookup answered, want the 4 files'", early)
	}
	for i := range 4 {
		if got := statChecksum(t, d.env, fmt.Sprintf("acme/data/wave/%d.csv", i)); got != sha256Of(fmt.Appendf(nil, "a\n%d\n", i)) {
			t.Errorf("wave/%d.csv: checksum %s", i, got)
		}
	}
	_, errs := wantRun(t, d.env, 1, "upload", dir, "acme/nope")
	if strings.TrimSpace(errs) != "coop: repository acme/nope: not found" {
		t.Errorf("upload to a missing repository: %q", errs)
	}
	list, err := d.s3srv.Client().ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: &d.bucket, Prefix: ptrTo("acme/nope/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) > 0 {
		t.Errorf("an upload into a missing repository left %d objects", len(list.Contents))
	}
}

// getsWaited counts the GETs the trace holds, and those of them that
// waited for a connection's handshake.
func (d *distantStore) getsWaited() (gets, waited int) {
	for _, s := range d.trace.Spans() {
		if s.Op == "GetObject" {
			gets++
			if s.Handshake > oneWay/2 {
				waited++
			}
		}
	}
	return gets, waited
}
