package aws

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/coopterm/coop/backend"
)

// Catalog items whole (backend.ItemCatalog), for copying a store to
// another: every attribute as stored, those coop does not know included.
// DynamoDB's sets become lists and its binary values base64 strings, the
// nearest JSON has; an empty string is no attribute where it would be an
// index key, which DynamoDB cannot take.

// AccountItem reads an account as stored.
func (s *Store) AccountItem(ctx context.Context, id string, typ backend.AccountType) (backend.Item, error) {
	return s.getItem(ctx, "account "+id, s.cfg.AccountsTable, accountKey(id, typ))
}

// RepositoryItem reads a repository as stored.
func (s *Store) RepositoryItem(ctx context.Context, accountID, repositoryID string) (backend.Item, error) {
	return s.getItem(ctx, "repository "+accountID+"/"+repositoryID, s.cfg.RepositoriesTable, repoKey(accountID, repositoryID))
}

func (s *Store) getItem(ctx context.Context, what, table string, key map[string]types.AttributeValue) (backend.Item, error) {
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	item, err := s.getItemAttrs(ctx, table, key)
	if err != nil {
		return nil, s.ddbError(ctx, "get "+what, table, err)
	}
	if len(item) == 0 {
		return nil, fmt.Errorf("get %s: %w", what, backend.ErrNotFound)
	}
	it := make(backend.Item, len(item))
	for k, v := range item {
		it[k] = fromAttr(v)
	}
	return it, nil
}

// PutAccountItem stores an account item as given. The put and the check
// that no account of another type holds the id are one transaction.
func (s *Store) PutAccountItem(ctx context.Context, it backend.Item) error {
	id, typ, err := backend.AccountItemKey(it)
	if err != nil {
		return err
	}
	item, err := toAttrs(it, attrEmail)
	if err != nil {
		return fmt.Errorf("put account %s: %w", id, err)
	}
	table := s.cfg.AccountsTable
	notExists := "attribute_not_exists(" + attrAccountID + ")"
	writes := []types.TransactWriteItem{{Put: &types.Put{TableName: &table, Item: item}}}
	if typ.Valid() {
		writes = append(writes, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: &table, Key: accountKey(id, otherType(typ)), ConditionExpression: &notExists,
		}})
	}
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	_, err = s.ddb.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for _, r := range tce.CancellationReasons {
			if deref(r.Code, "") == "ConditionalCheckFailed" {
				return fmt.Errorf("put account %s: %w under another type", id, backend.ErrExists)
			}
		}
	}
	if err != nil {
		return s.ddbError(ctx, "put account "+id, table, err)
	}
	return nil
}

// PutRepositoryItem stores a repository item as given.
func (s *Store) PutRepositoryItem(ctx context.Context, it backend.Item) error {
	ref, err := backend.RepositoryItemKey(it)
	if err != nil {
		return err
	}
	item, err := toAttrs(it, attrCreatedAt)
	if err != nil {
		return fmt.Errorf("put repository %s: %w", ref, err)
	}
	table := s.cfg.RepositoriesTable
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	if _, err := s.ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
		return s.ddbError(ctx, "put repository "+ref.String(), table, err)
	}
	return nil
}

// toAttrs encodes an item, leaving out indexKey when it is empty.
func toAttrs(it backend.Item, indexKey string) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(it))
	for k, v := range it {
		if k == indexKey {
			if s, ok := v.(string); ok && s == "" || v == nil {
				continue
			}
		}
		av, err := toAttr(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func toAttr(v any) (types.AttributeValue, error) {
	switch x := v.(type) {
	case nil:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case string:
		return &types.AttributeValueMemberS{Value: x}, nil
	case json.Number:
		return &types.AttributeValueMemberN{Value: x.String()}, nil
	case float64:
		return &types.AttributeValueMemberN{Value: strconv.FormatFloat(x, 'g', -1, 64)}, nil
	case int:
		return &types.AttributeValueMemberN{Value: strconv.Itoa(x)}, nil
	case int64:
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(x, 10)}, nil
	case bool:
		return &types.AttributeValueMemberBOOL{Value: x}, nil
	case []string:
		l := make([]types.AttributeValue, len(x))
		for i, e := range x {
			l[i] = &types.AttributeValueMemberS{Value: e}
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case []any:
		l := make([]types.AttributeValue, len(x))
		for i, e := range x {
			av, err := toAttr(e)
			if err != nil {
				return nil, err
			}
			l[i] = av
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case map[string]any:
		m := make(map[string]types.AttributeValue, len(x))
		for k, e := range x {
			av, err := toAttr(e)
			if err != nil {
				return nil, err
			}
			m[k] = av
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("%w: a %T value", backend.ErrInvalid, v)
}

func fromAttr(v types.AttributeValue) any {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return x.Value
	case *types.AttributeValueMemberN:
		return json.Number(x.Value)
	case *types.AttributeValueMemberBOOL:
		return x.Value
	case *types.AttributeValueMemberB:
		return base64.StdEncoding.EncodeToString(x.Value)
	case *types.AttributeValueMemberL:
		out := make([]any, len(x.Value))
		for i, e := range x.Value {
			out[i] = fromAttr(e)
		}
		return out
	case *types.AttributeValueMemberM:
		out := make(map[string]any, len(x.Value))
		for k, e := range x.Value {
			out[k] = fromAttr(e)
		}
		return out
	case *types.AttributeValueMemberSS:
		out := make([]any, len(x.Value))
		for i, e := range x.Value {
			out[i] = e
		}
		return out
	case *types.AttributeValueMemberNS:
		out := make([]any, len(x.Value))
		for i, e := range x.Value {
			out[i] = json.Number(e)
		}
		return out
	case *types.AttributeValueMemberBS:
		out := make([]any, len(x.Value))
		for i, e := range x.Value {
			out[i] = base64.StdEncoding.EncodeToString(e)
		}
		return out
	}
	return nil // NULL
}

var _ backend.ItemCatalog = (*Store)(nil)
