package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
)

// Item is a catalog item with every attribute as stored — the schema's
// and those other tools added — in JSON form: string, json.Number, bool,
// nil, []any and map[string]any. It is what a copy of a whole store (coop
// migrate) moves, so that nothing coop does not know is lost on the way.
type Item map[string]any

// Str is the string attribute name, or "" if it is absent or not a string.
func (it Item) Str(name string) string {
	s, _ := it[name].(string)
	return s
}

// ItemCatalog reads and writes catalog items whole. A store that offers
// it can be copied to another without losing attributes coop does not
// know; the plain Catalog methods read and write the schema's alone.
type ItemCatalog interface {
	// AccountItem reads the account (id, typ) as stored; ErrNotFound if
	// there is none.
	AccountItem(ctx context.Context, id string, typ AccountType) (Item, error)
	// PutAccountItem stores it as given, replacing the item of the same
	// key and keeping the indexes up to date. Its id must not be taken by
	// an account of another type.
	PutAccountItem(ctx context.Context, it Item) error
	// RepositoryItem reads a repository as stored; ErrNotFound if there
	// is none.
	RepositoryItem(ctx context.Context, accountID, repositoryID string) (Item, error)
	// PutRepositoryItem stores it as given, replacing the item of the same
	// key and keeping the indexes up to date.
	PutRepositoryItem(ctx context.Context, it Item) error
}

// AccountItemKey checks the key attributes of an account item and
// returns them.
func AccountItemKey(it Item) (string, AccountType, error) {
	id, typ := it.Str(AttrAccountID), AccountType(it.Str(AttrType))
	if err := ValidateID("account", id); err != nil {
		return "", "", err
	}
	if typ == "" {
		return "", "", fmt.Errorf("%w account %s: no type", ErrInvalid, id)
	}
	return id, typ, nil
}

// RepositoryItemKey checks the key attributes of a repository item and
// returns them.
func RepositoryItemKey(it Item) (RepoRef, error) {
	ref := RepoRef{AccountID: it.Str(AttrAccountID), RepositoryID: it.Str(AttrRepositoryID)}
	if err := ValidateID("account", ref.AccountID); err != nil {
		return ref, err
	}
	if err := ValidateID("repository", ref.RepositoryID); err != nil {
		return ref, err
	}
	return ref, nil
}

// SameItem reports whether two items hold the same attributes. An empty
// string, empty map or null counts as no attribute, since stores differ
// in how they keep empty values (DynamoDB cannot index an empty string).
func SameItem(a, b Item) bool {
	return reflect.DeepEqual(sparse(a), sparse(b))
}

// ItemDiff names the attributes in which a and b differ (see SameItem).
func ItemDiff(a, b Item) []string {
	sa, sb := sparse(a), sparse(b)
	var out []string
	for k, v := range sa {
		if !reflect.DeepEqual(v, sb[k]) {
			out = append(out, k)
		}
	}
	for k := range sb {
		if _, ok := sa[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

func sparse(it Item) map[string]any {
	out := make(map[string]any, len(it))
	for k, v := range it {
		switch x := v.(type) {
		case nil:
			continue
		case string:
			if x == "" {
				continue
			}
		case map[string]any:
			if len(x) == 0 {
				continue
			}
		}
		out[k] = v
	}
	return out
}

// DecodeItem reads a JSON object as an Item, numbers as json.Number.
func DecodeItem(data []byte) (Item, error) {
	var it Item
	if err := decodeNumbers(data, &it); err != nil {
		return nil, err
	}
	if it == nil {
		return nil, fmt.Errorf("%w item: not a JSON object", ErrInvalid)
	}
	return it, nil
}

func decodeNumbers(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}
