package aws

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/coopterm/coop/backend"
)

// A table without one of coop's indexes is reported as a missing index,
// named with its keys, not as a missing table.
func TestMissingIndexIsNamed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		drop  string
		call  func(s *Store) error
		index string
	}{
		{"GSI2", func(s *Store) error { _, err := s.FindAccountByEmail(ctx, "a@example.org"); return err }, "index GSI2 on email+account_id"},
		{"GSI1", func(s *Store) error {
			_, err := s.ListAccounts(ctx, backend.AccountUser, backend.PageRequest{})
			return err
		}, "index GSI1 on type+account_id"},
	} {
		cfg := testConfig(t)
		s := openStore(t, cfg)
		spec := s.tableSpecs()[0]
		var keep []indexSpec
		for _, ix := range spec.indexes {
			if ix.name != tc.drop {
				keep = append(keep, ix)
			}
		}
		spec.indexes = keep
		if _, err := s.ddb.CreateTable(ctx, createInput(spec)); err != nil {
			t.Fatal(err)
		}
		err := tc.call(s)
		if !errors.Is(err, backend.ErrNotInitialized) || !strings.Contains(err.Error(), tc.index) || strings.Contains(err.Error(), "does not exist") {
			t.Errorf("without %s: %v", tc.drop, err)
		}
	}
}

// Services that answer a query on a missing index with
// ResourceNotFoundException: the table is looked at to tell a missing
// index from a missing table.
func TestResourceNotFoundOnAnIndexTellsTableFromIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	notFound := &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "Requested resource not found"}
	err := s.queryError(ctx, "find account by email", s.cfg.AccountsTable, IndexGSI2, notFound)
	if !strings.Contains(err.Error(), "has no index GSI2 on email+account_id") {
		t.Errorf("existing table: %v", err)
	}
	err = s.queryError(ctx, "find account by email", "no-such-table", IndexGSI2, notFound)
	if !errors.Is(err, backend.ErrNotInitialized) || !strings.Contains(err.Error(), `table "no-such-table" does not exist`) {
		t.Errorf("missing table: %v", err)
	}
}
