package aws

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/coopterm/coop/backend"
)

// Catalog page sizes.
const (
	// DefaultCatalogLimit is the page size when a request leaves Limit at 0.
	DefaultCatalogLimit = 100
	// MaxCatalogLimit caps a requested page size.
	MaxCatalogLimit = 1000
)

// timeLayout writes catalog times in RFC 3339 UTC with a fixed number of
// fraction digits, so that the strings sort as the times do (GSI1 of the
// Repositories table sorts by created_at; backend.FormatTime drops
// trailing zeros, and ".5Z" would sort after ".123Z"). Times are read
// with backend.ParseTime, in any form other writers use.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// cursor is the opaque Page.Next of catalog listings: a DynamoDB
// LastEvaluatedKey (all its attributes are strings), and for account
// listings of every type, which type the listing has reached.
type cursor struct {
	Type string            `json:"t,omitempty"`
	Key  map[string]string `json:"k,omitempty"`
}

func (c cursor) encode() string {
	b, err := json.Marshal(c)
	if err != nil { // a map of strings always marshals
		panic(fmt.Sprintf("aws: encode cursor: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a Page.Next; keys lists the attribute names its key
// must have, and want (if not nil) the values some of them must have, so
// that a cursor from another listing is refused rather than sent.
func decodeCursor(s string, keys []string, want map[string]string) (cursor, error) {
	var c cursor
	if s == "" {
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		return c, fmt.Errorf("%w cursor: %w", backend.ErrInvalid, err)
	}
	if c.Key == nil {
		return c, nil
	}
	if len(c.Key) != len(keys) {
		return c, fmt.Errorf("%w cursor: not from this listing", backend.ErrInvalid)
	}
	for _, k := range keys {
		if _, ok := c.Key[k]; !ok {
			return c, fmt.Errorf("%w cursor: not from this listing", backend.ErrInvalid)
		}
	}
	for k, v := range want {
		if c.Key[k] != v {
			return c, fmt.Errorf("%w cursor: not from this listing", backend.ErrInvalid)
		}
	}
	return c, nil
}

// startKey turns a cursor key back into an ExclusiveStartKey.
func startKey(k map[string]string) map[string]types.AttributeValue {
	if k == nil {
		return nil
	}
	m := make(map[string]types.AttributeValue, len(k))
	for name, v := range k {
		m[name] = &types.AttributeValueMemberS{Value: v}
	}
	return m
}

// keyOf projects the named string attributes of an item into a cursor key.
func keyOf(item map[string]types.AttributeValue, names []string) map[string]string {
	if item == nil {
		return nil
	}
	k := make(map[string]string, len(names))
	for _, n := range names {
		if s, ok := item[n].(*types.AttributeValueMemberS); ok {
			k[n] = s.Value
		}
	}
	return k
}

// pageLimit applies the default and the cap to a requested page size.
func pageLimit(n int) int {
	if n <= 0 {
		return DefaultCatalogLimit
	}
	return min(n, MaxCatalogLimit)
}

// queryPage runs one Query for up to limit items. It asks for one item
// more than it returns, so that a full last page says so (no empty page
// after it), and builds the next cursor key from the last item it keeps;
// keys names the attributes of that key (the index's and the table's).
func (s *Store) queryPage(ctx context.Context, table string, in *dynamodb.QueryInput, limit int, keys []string) ([]map[string]types.AttributeValue, map[string]string, error) {
	in.Limit = ptr(int32(limit + 1))
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	out, err := s.ddb.Query(ctx, in)
	if err != nil {
		return nil, nil, s.queryError(ctx, "query "+table, table, deref(in.IndexName, ""), err)
	}
	items := out.Items
	if len(items) > limit {
		items = items[:limit]
		return items, keyOf(items[limit-1], keys), nil
	}
	if len(out.LastEvaluatedKey) == 0 {
		return items, nil, nil
	}
	next := keyOf(out.LastEvaluatedKey, keys)
	if len(next) != len(keys) {
		names := make([]string, 0, len(out.LastEvaluatedKey))
		for n := range out.LastEvaluatedKey {
			names = append(names, n)
		}
		slices.Sort(names)
		return nil, nil, fmt.Errorf("query %s: unexpected LastEvaluatedKey attributes %v", table, names)
	}
	return items, next, nil
}

func ptr[T any](v T) *T { return &v }
