package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/coopterm/coop/backend"
)

func accountKey(id string, typ backend.AccountType) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrAccountID: &types.AttributeValueMemberS{Value: id},
		attrType:      &types.AttributeValueMemberS{Value: string(typ)},
	}
}

func otherType(t backend.AccountType) backend.AccountType {
	if t == backend.AccountUser {
		return backend.AccountOrganization
	}
	return backend.AccountUser
}

// CreateAccount adds an account. An id names one account whatever its
// type (its objects live under {account_id}/), so the put and the check
// that no account of the other type holds the id are one transaction;
// ErrExists if either fails.
func (s *Store) CreateAccount(ctx context.Context, a backend.Account) error {
	if err := backend.ValidateAccount(a); err != nil {
		return err
	}
	a.Email = strings.TrimSpace(a.Email)
	now := time.Now().UTC()
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	item, err := encodeAccount(a)
	if err != nil {
		return fmt.Errorf("create account %s: %w", a.ID, err)
	}
	table := s.cfg.AccountsTable
	notExists := "attribute_not_exists(" + attrAccountID + ")"
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	_, err = s.ddb.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &table, Item: item, ConditionExpression: &notExists}},
		{ConditionCheck: &types.ConditionCheck{TableName: &table, Key: accountKey(a.ID, otherType(a.Type)), ConditionExpression: &notExists}},
	}})
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for _, r := range tce.CancellationReasons {
			if deref(r.Code, "") == "ConditionalCheckFailed" {
				return fmt.Errorf("create account %s: %w", a.ID, backend.ErrExists)
			}
		}
	}
	if err != nil {
		return s.ddbError(ctx, "create account "+a.ID, table, err)
	}
	return nil
}

// GetAccount reads an account by its full key.
func (s *Store) GetAccount(ctx context.Context, id string, typ backend.AccountType) (backend.Account, error) {
	if err := backend.ValidateAccountKey(id, typ); err != nil {
		return backend.Account{}, err
	}
	table := s.cfg.AccountsTable
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	item, err := s.getItemAttrs(ctx, table, accountKey(id, typ))
	if err != nil {
		return backend.Account{}, s.ddbError(ctx, "get account "+id, table, err)
	}
	if len(item) == 0 {
		return backend.Account{}, fmt.Errorf("get account %s (%s): %w", id, typ, backend.ErrNotFound)
	}
	return decodeAccount(item), nil
}

// FindAccount reads an account by id alone: one Query on the table's
// partition key.
func (s *Store) FindAccount(ctx context.Context, id string) (backend.Account, error) {
	if err := backend.ValidateID("account", id); err != nil {
		return backend.Account{}, err
	}
	table := s.cfg.AccountsTable
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	out, err := s.ddb.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &table,
		KeyConditionExpression:    ptr("#id = :id"),
		ExpressionAttributeNames:  map[string]string{"#id": attrAccountID},
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": &types.AttributeValueMemberS{Value: id}},
		ConsistentRead:            ptr(true),
		Limit:                     ptr(int32(1)),
	})
	if err != nil {
		return backend.Account{}, s.ddbError(ctx, "find account "+id, table, err)
	}
	if len(out.Items) == 0 {
		return backend.Account{}, fmt.Errorf("find account %s: %w", id, backend.ErrNotFound)
	}
	return decodeAccount(out.Items[0]), nil
}

// UpdateAccount rewrites an existing account's name, email and metadata
// and sets UpdatedAt; its creation time, and every attribute coop does not
// know, are kept. An attribute that could not be read (a.Unreadable) is
// left as stored if a leaves it empty, and refused if a sets it.
// ErrNotFound if there is no such account.
func (s *Store) UpdateAccount(ctx context.Context, a backend.Account) error {
	if err := backend.ValidateAccountUpdate(a); err != nil {
		return err
	}
	a.Email = strings.TrimSpace(a.Email)
	op := "update account " + a.ID
	upd := expression.Set(expression.Name(attrUpdatedAt), expression.Value(formatTime(time.Now())))
	if !backend.Unread(a.Unreadable, backend.AttrName) {
		upd = upd.Set(expression.Name(backend.AttrName), expression.Value(a.Name))
	}
	if !backend.Unread(a.Unreadable, attrEmail) {
		// An index key cannot be empty: no email is no attribute.
		upd = setOrRemove(upd, attrEmail, a.Email, a.Email != "")
	}
	for name, m := range map[string]map[string]any{
		backend.AttrMetadataPublic: a.MetadataPublic, backend.AttrMetadataPrivate: a.MetadataPrivate,
	} {
		if backend.Unread(a.Unreadable, name) {
			continue
		}
		v, err := mapValue(m)
		if err != nil {
			return fmt.Errorf("%s: encode %s: %w", op, name, err)
		}
		upd = upd.Set(expression.Name(name), expression.Value(v))
	}
	return s.updateItem(ctx, op, s.cfg.AccountsTable, accountKey(a.ID, a.Type), attrAccountID, upd)
}

// setOrRemove sets name to v when set is true, and removes it otherwise.
func setOrRemove(upd expression.UpdateBuilder, name string, v any, set bool) expression.UpdateBuilder {
	if set {
		return upd.Set(expression.Name(name), expression.Value(v))
	}
	return upd.Remove(expression.Name(name))
}

// updateItem applies upd to the item at key if it exists (mustHave is its
// partition key attribute); ErrNotFound if it does not.
func (s *Store) updateItem(ctx context.Context, op, table string, key map[string]types.AttributeValue, mustHave string, upd expression.UpdateBuilder) error {
	expr, err := expression.NewBuilder().
		WithUpdate(upd).
		WithCondition(expression.AttributeExists(expression.Name(mustHave))).
		Build()
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	_, err = s.ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &table,
		Key:                       key,
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("%s: %w", op, backend.ErrNotFound)
	}
	if err != nil {
		return s.ddbError(ctx, op, table, err)
	}
	return nil
}

// ListAccounts lists accounts of one type by id, one Query on GSI1 per
// page. typ "" lists organizations, then users: the cursor remembers
// which, and a page that ends the organizations is filled up with users.
func (s *Store) ListAccounts(ctx context.Context, typ backend.AccountType, req backend.PageRequest) (backend.Page[backend.Account], error) {
	if typ != "" && !typ.Valid() {
		return backend.Page[backend.Account]{}, fmt.Errorf("%w account type %q", backend.ErrInvalid, typ)
	}
	c, err := decodeCursor(req.Cursor, accountsGSI1Keys(), nil)
	if err != nil {
		return backend.Page[backend.Account]{}, fmt.Errorf("list accounts: %w", err)
	}
	phase := typ
	switch {
	case typ == "" && c.Type != "":
		phase = backend.AccountType(c.Type)
	case typ == "":
		phase = backend.AccountOrganization
	}
	if !phase.Valid() || (typ != "" && c.Type != "" && c.Type != string(typ)) ||
		(c.Key != nil && c.Key[attrType] != string(phase)) {
		return backend.Page[backend.Account]{}, fmt.Errorf("list accounts: %w cursor: not from this listing", backend.ErrInvalid)
	}
	limit := pageLimit(req.Limit)
	var page backend.Page[backend.Account]
	key := c.Key
	for {
		items, next, err := s.queryPage(ctx, s.cfg.AccountsTable, &dynamodb.QueryInput{
			TableName:                 &s.cfg.AccountsTable,
			IndexName:                 ptr(IndexGSI1),
			KeyConditionExpression:    ptr("#t = :t"),
			ExpressionAttributeNames:  map[string]string{"#t": attrType},
			ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberS{Value: string(phase)}},
			ExclusiveStartKey:         startKey(key),
		}, limit-len(page.Items), accountsGSI1Keys())
		if err != nil {
			return backend.Page[backend.Account]{}, fmt.Errorf("list accounts: %w", err)
		}
		for _, it := range items {
			page.Items = append(page.Items, decodeAccount(it))
		}
		switch {
		case next != nil:
			page.Next = cursor{Type: cursorType(typ, phase), Key: next}.encode()
			return page, nil
		case typ != "" || phase == backend.AccountUser:
			return page, nil
		}
		// Organizations are done: go on with users.
		phase, key = backend.AccountUser, nil
		if len(page.Items) >= limit {
			page.Next = cursor{Type: string(phase)}.encode()
			return page, nil
		}
	}
}

// cursorType is what an account cursor records of the listing's phase:
// nothing when a single type is listed.
func cursorType(typ, phase backend.AccountType) string {
	if typ != "" {
		return ""
	}
	return string(phase)
}

// FindAccountByEmail finds the account with this email: one Query on GSI2.
func (s *Store) FindAccountByEmail(ctx context.Context, email string) (backend.Account, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return backend.Account{}, fmt.Errorf("%w email: empty", backend.ErrInvalid)
	}
	table := s.cfg.AccountsTable
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	out, err := s.ddb.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &table,
		IndexName:                 ptr(IndexGSI2),
		KeyConditionExpression:    ptr("#e = :e"),
		ExpressionAttributeNames:  map[string]string{"#e": attrEmail},
		ExpressionAttributeValues: map[string]types.AttributeValue{":e": &types.AttributeValueMemberS{Value: email}},
		Limit:                     ptr(int32(1)),
	})
	if err != nil {
		return backend.Account{}, s.queryError(ctx, "find account by email", table, IndexGSI2, err)
	}
	if len(out.Items) == 0 {
		return backend.Account{}, fmt.Errorf("find account by email %s: %w", email, backend.ErrNotFound)
	}
	return decodeAccount(out.Items[0]), nil
}
