package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/internal/testservers"
)

// rm -r of a folder of thousands of objects lists its parts at once, split
// at the paths of the repository's metadata index, instead of one page
// after another (a round trip each): every batch is sent one round trip
// after the start. Objects the index does not know (written straight to
// the bucket, before, between and after the known ones) go too, and
// nothing outside the folder does.
func TestRmOfALargeFolderListsItsPartsAtOnce(t *testing.T) {
	d := newDistantStore(t)
	for _, p := range []*testservers.FaultProxy{d.s3, d.dyn} {
		p.SetDelay(0)
	}
	const files = 4000 // 5 pages of 1,000 keys, listed one after another on their own
	dir := filepath.Join(t.TempDir(), "many")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range files {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d", i)), []byte{byte(i)}, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantRun(t, d.env, 0, "upload", dir, "acme/data")
	client := d.s3srv.Client()
	put := func(keys ...string) {
		t.Helper()
		for _, k := range keys {
			body := "other tool"
			if strings.HasSuffix(k, "/") {
				body = "" // a folder marker
			}
			if _, err := client.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &d.bucket, Key: &k, Body: strings.NewReader(body)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	unknown := []string{"0first", "f00960a", "f01919z", "f02000a", "f03333a", "zlast", "sub/deep.txt", "emptydir/"}
	for _, k := range unknown {
		put("acme/data/many/" + k)
	}
	outside := []string{"acme/data/many0", "acme/data/many.txt", "acme/data/man", "acme/data/manz/x"}
	put(outside...)

	for _, p := range []*testservers.FaultProxy{d.s3, d.dyn} {
		p.SetDelay(oneWay)
	}
	d.trace.Reset()
	wantRun(t, d.env, 0, "rm", "-r", "--yes", "acme/data/many")
	var lastDelete time.Time
	lists, deletes := 0, 0
	for _, s := range d.trace.Spans() {
		switch s.Op {
		case "ListObjects":
			lists++
		case "DeleteObjects":
			deletes++
			lastDelete = s.Start
		}
	}
	rounds := d.trace.RoundsBy(lastDelete)
	t.Logf("%d listings, %d batches; the last batch sent after %d round trips", lists, deletes, rounds)
	if deletes == 0 || rounds > 2 {
		t.Errorf("the last of %d batches was sent after %d round trips, want at most 2 (the listing's parts at once)", deletes, rounds)
	}

	var left []string
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: &d.bucket, Prefix: ptrTo("acme/data/")})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			left = append(left, *o.Key)
		}
	}
	for _, k := range left {
		if strings.HasPrefix(k, "acme/data/many/") {
			t.Errorf("%s is left after rm -r", k)
		}
	}
	for _, k := range outside {
		if !strings.Contains(" "+strings.Join(left, " ")+" ", " "+k+" ") {
			t.Errorf("%s, outside the folder, was deleted", k)
		}
	}
	if out, _ := wantRun(t, d.env, 1, "stat", "acme/data/many/f00001"); strings.Contains(out, "f00001") {
		t.Errorf("a deleted object's entry is still there: %s", out)
	}
}

func ptrTo[T any](v T) *T { return &v }
