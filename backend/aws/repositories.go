package aws

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/coopterm/coop/backend"
)

// repoItem is a Repositories item as stored.
type repoItem struct {
	RepositoryID string         `dynamodbav:"repository_id"`
	AccountID    string         `dynamodbav:"account_id"`
	Title        string         `dynamodbav:"title"`
	Description  string         `dynamodbav:"description,omitempty"`
	CreatedAt    string         `dynamodbav:"created_at"`
	UpdatedAt    string         `dynamodbav:"updated_at"`
	Visibility   string         `dynamodbav:"visibility"`
	Metadata     map[string]any `dynamodbav:"metadata,omitempty"`
}

func repoKey(accountID, repositoryID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrRepositoryID: &types.AttributeValueMemberS{Value: repositoryID},
		attrAccountID:    &types.AttributeValueMemberS{Value: accountID},
	}
}

func decodeRepo(item map[string]types.AttributeValue) (backend.Repository, error) {
	var it repoItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return backend.Repository{}, fmt.Errorf("decode repository: %w", err)
	}
	created, updated, err := parseTimes("repository "+it.RepositoryID, it.CreatedAt, it.UpdatedAt)
	if err != nil {
		return backend.Repository{}, err
	}
	return backend.Repository{
		ID: it.RepositoryID, AccountID: it.AccountID, Title: it.Title, Description: it.Description,
		CreatedAt: created, UpdatedAt: updated, Visibility: backend.Visibility(it.Visibility),
		Metadata: it.Metadata,
	}, nil
}

// validateRepo makes an empty visibility private, then validates r.
func validateRepo(r *backend.Repository) error {
	if r.Visibility == "" {
		r.Visibility = backend.VisibilityPrivate
	}
	return backend.ValidateRepository(*r)
}

// CreateRepository adds a repository: ErrNotFound if its account does not
// exist, ErrExists if the repository does. The put is conditional, so of
// two racing creators exactly one wins.
func (s *Store) CreateRepository(ctx context.Context, r backend.Repository) error {
	if err := validateRepo(&r); err != nil {
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
	item, err := attributevalue.MarshalMap(repoItem{
		RepositoryID: r.ID, AccountID: r.AccountID, Title: r.Title, Description: r.Description,
		CreatedAt: formatTime(r.CreatedAt), UpdatedAt: formatTime(r.UpdatedAt),
		Visibility: string(r.Visibility), Metadata: r.Metadata,
	})
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
	out, err := s.ddb.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &table, Key: repoKey(accountID, repositoryID), ConsistentRead: ptr(true),
	})
	if err != nil {
		return backend.Repository{}, s.ddbError(ctx, "get repository "+ref.String(), table, err)
	}
	if len(out.Item) == 0 {
		return backend.Repository{}, fmt.Errorf("get repository %s: %w", ref, backend.ErrNotFound)
	}
	return decodeRepo(out.Item)
}

// UpdateRepository rewrites an existing repository's title, description,
// visibility and metadata and sets UpdatedAt; its creation time is kept.
func (s *Store) UpdateRepository(ctx context.Context, r backend.Repository) error {
	if err := validateRepo(&r); err != nil {
		return err
	}
	upd := expression.Set(expression.Name("title"), expression.Value(r.Title)).
		Set(expression.Name("visibility"), expression.Value(string(r.Visibility))).
		Set(expression.Name(attrUpdatedAt), expression.Value(formatTime(time.Now())))
	upd = setOrRemove(upd, "description", r.Description, r.Description != "")
	upd = setOrRemove(upd, "metadata", r.Metadata, len(r.Metadata) > 0)
	return s.updateItem(ctx, "update repository "+r.Ref().String(), s.cfg.RepositoriesTable,
		repoKey(r.AccountID, r.ID), attrRepositoryID, upd)
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
		r, err := decodeRepo(it)
		if err != nil {
			return backend.Page[backend.Repository]{}, fmt.Errorf("%s: %w", op, err)
		}
		page.Items = append(page.Items, r)
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
