package server_test

import (
	"io"
	"testing"

	"github.com/pkg/sftp"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/memstore"
	"github.com/coopterm/coop/server"
)

// Ids that other tools create (NASA_Earth, v2.0) are reached over SFTP as
// they are in the CLI and the browser: the server checks paths with the
// same rule for reading (backend.ValidateID).
func TestSFTPReachesIDsOtherToolsCreate(t *testing.T) {
	store := memstore.New()
	must(t, store.ImportAccount(backend.Account{ID: "NASA_Earth", Type: backend.AccountOrganization, Name: "NASA"}))
	must(t, store.ImportRepository(backend.Repository{ID: "v2.0", AccountID: "NASA_Earth", Visibility: backend.VisibilityPublic}))
	ref := backend.RepoRef{AccountID: "NASA_Earth", RepositoryID: "v2.0"}
	must(t, store.Import(ref, "data/a.csv", []byte("a,b\n")))
	f := start(t, store, server.Config{})
	c, err := f.dial(t, anonymousAuth())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	sc, err := sftp.NewClient(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sc.Close() })
	ents, err := sc.ReadDir("/NASA_Earth")
	if err != nil || len(ents) != 1 || ents[0].Name() != "v2.0" {
		t.Fatalf("ReadDir /NASA_Earth = %v, %v", ents, err)
	}
	fh, err := sc.Open("/NASA_Earth/v2.0/data/a.csv")
	if err != nil {
		t.Fatalf("open /NASA_Earth/v2.0/data/a.csv: %v", err)
	}
	defer func() { _ = fh.Close() }()
	if b, err := io.ReadAll(fh); err != nil || string(b) != "a,b\n" {
		t.Errorf("read %q, %v", b, err)
	}
	if _, err := sc.ReadDir("/NASA_Earth/v2.0/../../etc"); err == nil {
		t.Error("a path leaving the root was listed")
	}
}
