package aws

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/coopterm/coop/backend"
)

func repoKey(accountID, repositoryID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrRepositoryID: &types.AttributeValueMemberS{Value: repositoryID},
		attrAccountID:    &types.AttributeValueMemberS{Value: accountID},
	}
}

// defaultVisibility makes an empty visibility private.
func defaultVisibility(r *backend.Repository) {
	if r.Visibility == "" {
		r.Visibility = backend.VisibilityPrivate
	}
}

// CreateRepository adds a repository: ErrNotFound if its account does not
// exist, ErrExists if the repository does. The put is conditional, so of
// two racing creators exactly one wins.
func (s *Store) CreateRepository(ctx context.Context, r backend.Repository) error {
	defaultVisibility(&r)
	if err := backend.ValidateRepository(r); err != nil {
		return err
	}
	if _, err := s.FindAccount(ctx, r.AccountID); err != nil {
		return fmt.Errorf("create repository %s: %w", r.Ref(), err)
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now().UTC()
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	item, err := encodeRepo(r)
	if err != nil {
		return fmt.Errorf("create repository %s: %w", r.Ref(), err)
	}
	table := s.cfg.RepositoriesTable
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	_, err = s.ddb.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           &table,
		Item:                item,
		ConditionExpression: ptr("attribute_not_exists(" + attrRepositoryID + ")"),
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("create repository %s: %w", r.Ref(), backend.ErrExists)
	}
	if err != nil {
		return s.ddbError(ctx, "create repository "+r.Ref().String(), table, err)
	}
	return nil
}

// GetRepository reads a repository by its key.
func (s *Store) GetRepository(ctx context.Context, accountID, repositoryID string) (backend.Repository, error) {
	ref := backend.RepoRef{AccountID: accountID, RepositoryID: repositoryID}
	if err := backend.ValidateRef(ref); err != nil {
		return backend.Repository{}, err
	}
	table := s.cfg.RepositoriesTable
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	item, err := s.getItemAttrs(ctx, table, repoKey(accountID, repositoryID))
	if err != nil {
		return backend.Repository{}, s.ddbError(ctx, "get repository "+ref.String(), table, err)
	}
	if len(item) == 0 {
		return backend.Repository{}, fmt.Errorf("get repository %s: %w", ref, backend.ErrNotFound)
	}
	return decodeRepo(item), nil
}

// UpdateRepository rewrites an existing repository's title, description,
// visibility and metadata and sets UpdatedAt; its creation time, and every
// attribute coop does not know, are kept. An attribute that could not be
// read (r.Unreadable) is left as stored if r leaves it empty, and refused
// if r sets it.
func (s *Store) UpdateRepository(ctx context.Context, r backend.Repository) error {
	defaultVisibility(&r)
	if err := backend.ValidateRepositoryUpdate(r); err != nil {
		return err
	}
	op := "update repository " + r.Ref().String()
	upd := expression.Set(expression.Name(attrUpdatedAt), expression.Value(formatTime(time.Now()))).
		Set(expression.Name(backend.AttrVisibility), expression.Value(string(r.Visibility)))
	for name, v := range map[string]string{backend.AttrTitle: r.Title, backend.AttrDescription: r.Description} {
		if !backend.Unread(r.Unreadable, name) {
			upd = upd.Set(expression.Name(name), expression.Value(v))
		}
	}
	if !backend.Unread(r.Unreadable, backend.AttrMetadata) {
		md, err := mapValue(r.Metadata)
		if err != nil {
			return fmt.Errorf("%s: encode metadata: %w", op, err)
		}
		upd = upd.Set(expression.Name(backend.AttrMetadata), expression.Value(md))
	}
	return s.updateItem(ctx, op, s.cfg.RepositoriesTable, repoKey(r.AccountID, r.ID), attrRepositoryID, upd)
}

// ListRepositories lists an account's repositories newest first: one
// Query on GSI1 per page. Only an empty first page costs a second Query,
// to tell an account without repositories (an empty page) from a missing
// account (ErrNotFound).
func (s *Store) ListRepositories(ctx context.Context, accountID string, req backend.PageRequest) (backend.Page[backend.Repository], error) {
	if err := backend.ValidateID("account", accountID); err != nil {
		return backend.Page[backend.Repository]{}, err
	}
	op := "list repositories of " + accountID
	c, err := decodeCursor(req.Cursor, repositoriesGSI1Keys(), map[string]string{attrAccountID: accountID})
	if err != nil {
		return backend.Page[backend.Repository]{}, fmt.Errorf("%s: %w", op, err)
	}
	items, next, err := s.queryPage(ctx, s.cfg.RepositoriesTable, &dynamodb.QueryInput{
		TableName:                 &s.cfg.RepositoriesTable,
		IndexName:                 ptr(IndexGSI1),
		KeyConditionExpression:    ptr("#a = :a"),
		ExpressionAttributeNames:  map[string]string{"#a": attrAccountID},
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": &types.AttributeValueMemberS{Value: accountID}},
		ExclusiveStartKey:         startKey(c.Key),
		ScanIndexForward:          ptr(false),
	}, pageLimit(req.Limit), repositoriesGSI1Keys())
	if err != nil {
		return backend.Page[backend.Repository]{}, fmt.Errorf("%s: %w", op, err)
	}
	var page backend.Page[backend.Repository]
	for _, it := range items {
		page.Items = append(page.Items, decodeRepo(it))
	}
	if next != nil {
		page.Next = cursor{Key: next}.encode()
	}
	if len(page.Items) == 0 && req.Cursor == "" {
		if _, err := s.FindAccount(ctx, accountID); err != nil {
			return backend.Page[backend.Repository]{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	return page, nil
}
