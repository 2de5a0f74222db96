package aws

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/coopterm/coop/backend"
)

// accountsTableKeys names the key attributes of the Accounts table.
func accountsTableKeys() []string { return []string{attrAccountID, attrType} }

// AllAccounts lists every account of the Accounts table whatever its
// type, a page at a time in the table's order (a Scan): ListAccounts
// queries the type index per type, and so sees users and organizations
// alone, while other tools keep accounts of other types there too. An
// item coop cannot read in full is listed marked, as ListAccounts lists
// it. It is for copying a whole store (coop migrate); a page may hold
// fewer items than asked for, even none, before the last.
func (s *Store) AllAccounts(ctx context.Context, req backend.PageRequest) (backend.Page[backend.Account], error) {
	c, err := decodeCursor(req.Cursor, accountsTableKeys(), nil)
	if err != nil {
		return backend.Page[backend.Account]{}, fmt.Errorf("list every account: %w", err)
	}
	if c.Type != "" {
		return backend.Page[backend.Account]{}, fmt.Errorf("list every account: %w cursor: not from this listing", backend.ErrInvalid)
	}
	octx, cancel := s.opContext(ctx)
	defer cancel()
	out, err := s.ddb.Scan(octx, &dynamodb.ScanInput{
		TableName:         &s.cfg.AccountsTable,
		ExclusiveStartKey: startKey(c.Key),
		Limit:             ptr(int32(pageLimit(req.Limit))),
	})
	if err != nil {
		return backend.Page[backend.Account]{}, s.ddbError(ctx, "list every account", s.cfg.AccountsTable, err)
	}
	var page backend.Page[backend.Account]
	for _, it := range out.Items {
		page.Items = append(page.Items, decodeAccount(it))
	}
	if len(out.LastEvaluatedKey) > 0 {
		next := keyOf(out.LastEvaluatedKey, accountsTableKeys())
		if len(next) != len(accountsTableKeys()) {
			return backend.Page[backend.Account]{}, fmt.Errorf("list every account: unexpected LastEvaluatedKey in %s", s.cfg.AccountsTable)
		}
		page.Next = cursor{Key: next}.encode()
	}
	return page, nil
}
