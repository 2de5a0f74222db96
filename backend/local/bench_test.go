package local

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coopterm/coop/backend"
)

// BenchmarkListObjects100k pages through a folder of 100,000 files. With
// the listing cache a page costs a binary search and 1,000 stats; without
// it (Uncached) every page reads and sorts the whole folder again.
func BenchmarkListObjects100k(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	ref := backend.RepoRef{AccountID: "acct", RepositoryID: "repo"}
	if err := s.CreateAccount(ctx, backend.Account{ID: ref.AccountID, Type: backend.AccountUser}); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateRepository(ctx, backend.Repository{ID: ref.RepositoryID, AccountID: ref.AccountID}); err != nil {
		b.Fatal(err)
	}
	const n = 100_000
	fill(b, filepath.Join(s.repoDir(ref), "big"), n)
	time.Sleep(s.cache.racyWindow + 50*time.Millisecond) // let the folder's times settle

	listAll := func(b *testing.B) {
		req, total := backend.PageRequest{}, 0
		for {
			page, err := s.ListObjects(ctx, ref, "big", req)
			if err != nil {
				b.Fatal(err)
			}
			total += len(page.Items)
			if page.Next == "" {
				break
			}
			req.Cursor = page.Next
		}
		if total != n {
			b.Fatalf("listed %d", total)
		}
	}
	b.Run("FirstPage", func(b *testing.B) {
		for b.Loop() {
			page, err := s.ListObjects(ctx, ref, "big", backend.PageRequest{})
			if err != nil || len(page.Items) != DefaultPageSize {
				b.Fatal(len(page.Items), err)
			}
		}
	})
	b.Run("FullListing", func(b *testing.B) {
		for b.Loop() {
			listAll(b)
		}
	})
	b.Run("FirstPageUncached", func(b *testing.B) {
		saved := s.cache
		s.cache = newDirCache(0)
		defer func() { s.cache = saved }()
		for b.Loop() {
			if _, err := s.ListObjects(ctx, ref, "big", backend.PageRequest{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCatalog measures the cost of opening catalog.db per operation,
// as every catalog call does.
func BenchmarkCatalog(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	for i := range 200 {
		if err := s.CreateAccount(ctx, backend.Account{ID: fmt.Sprintf("acct-%04d", i), Type: backend.AccountUser}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("OpenCloseReadOnly", func(b *testing.B) {
		for b.Loop() {
			db, err := bolt.Open(s.catalogPath(), 0o644, &bolt.Options{ReadOnly: true, Timeout: time.Second, NoStatistics: true})
			if err != nil {
				b.Fatal(err)
			}
			_ = db.Close()
		}
	})
	b.Run("GetAccount", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.GetAccount(ctx, "acct-0100", backend.AccountUser); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ListAccounts100", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.ListAccounts(ctx, backend.AccountUser, backend.PageRequest{Limit: 100}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UpdateAccount", func(b *testing.B) {
		a, err := s.GetAccount(ctx, "acct-0100", backend.AccountUser)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := s.UpdateAccount(ctx, a); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkUpdateMetadata100k measures one locked read-modify-write of a
// metadata file holding 100,000 entries (tens of MB): the cost each
// batched flush of an upload into a large repository pays.
func BenchmarkUpdateMetadata100k(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	ref := backend.RepoRef{AccountID: "acct", RepositoryID: "repo"}
	now := time.Now().UTC()
	batch := backend.NewMetadataBatch(now)
	for i := range 100_000 {
		p := fmt.Sprintf("data/part-%06d.parquet", i)
		batch.Set(p, backend.ObjectMeta{ID: p, Type: backend.TypeFile, Size: int64(i), MimeType: "application/vnd.apache.parquet",
			CreatedAt: now, UpdatedAt: now, Checksum: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			Metadata: map[string]any{}})
	}
	if _, err := s.UpdateMetadata(ctx, ref, batch); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := s.UpdateObjectMetadata(ctx, ref, "data/new.csv", &backend.ObjectMeta{ID: "n", Type: backend.TypeFile}); err != nil {
			b.Fatal(err)
		}
	}
}
