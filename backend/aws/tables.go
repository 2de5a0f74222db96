package aws

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/coopterm/coop/backend"
)

// Attribute and index names of the platform's tables.
const (
	attrAccountID    = "account_id"
	attrType         = "type"
	attrEmail        = "email"
	attrRepositoryID = "repository_id"
	attrCreatedAt    = "created_at"
	attrUpdatedAt    = "updated_at"

	// IndexGSI1 is Accounts' type+account_id and Repositories'
	// account_id+created_at index.
	IndexGSI1 = "GSI1"
	// IndexGSI2 is Accounts' email+account_id index.
	IndexGSI2 = "GSI2"
)

// accountsGSI1Keys names the key attributes of an account listing's
// cursor: the index's keys and the table's.
func accountsGSI1Keys() []string { return []string{attrType, attrAccountID} }

// repositoriesGSI1Keys names the key attributes of a repository listing's
// cursor: the index's keys and the table's.
func repositoriesGSI1Keys() []string {
	return []string{attrAccountID, attrCreatedAt, attrRepositoryID}
}

// initWait bounds how long Init waits for new tables to become active.
const initWait = 10 * time.Minute

// tableSpec is one table's key schema and indexes.
type tableSpec struct {
	name    string
	hash    string
	rng     string
	indexes []indexSpec
}

type indexSpec struct{ name, hash, rng string }

func (s *Store) tableSpecs() []tableSpec {
	return []tableSpec{
		{
			name: s.cfg.AccountsTable, hash: attrAccountID, rng: attrType,
			indexes: []indexSpec{{IndexGSI1, attrType, attrAccountID}, {IndexGSI2, attrEmail, attrAccountID}},
		},
		{
			name: s.cfg.RepositoriesTable, hash: attrRepositoryID, rng: attrAccountID,
			indexes: []indexSpec{{IndexGSI1, attrAccountID, attrCreatedAt}},
		},
	}
}

// Init creates the Accounts and Repositories tables if they are missing
// (on-demand billing, indexes projecting every attribute), waits until
// they are active, and leaves existing tables alone, only checking that
// their keys and indexes are the ones coop uses. It then checks the bucket;
// it does not create buckets.
func (s *Store) Init(ctx context.Context) error {
	var pending []string
	for _, t := range s.tableSpecs() {
		ready, err := s.ensureTable(ctx, t)
		if err != nil {
			return err
		}
		if !ready {
			pending = append(pending, t.name)
		}
	}
	for _, name := range pending {
		if err := s.waitActive(ctx, name); err != nil {
			return err
		}
	}
	return s.checkBucket(ctx)
}

// ensureTable creates t if it does not exist, or checks its layout if it
// does. ready reports that the table was found active already, so that
// Init need not describe it again.
func (s *Store) ensureTable(ctx context.Context, t tableSpec) (ready bool, err error) {
	dctx, cancel := s.opContext(ctx)
	out, err := s.ddb.DescribeTable(dctx, &dynamodb.DescribeTableInput{TableName: &t.name})
	if err == nil {
		cancel()
		return active(out.Table), checkLayout(t, out.Table)
	}
	if !isCode(err, "ResourceNotFoundException") {
		defer cancel()
		return false, s.ddbError(dctx, "init: describe table "+t.name, t.name, err)
	}
	cancel()
	cctx, cancel := s.opContext(ctx)
	defer cancel()
	_, err = s.ddb.CreateTable(cctx, createInput(t))
	if err != nil && !isCode(err, "ResourceInUseException") { // in use: another coop init won the race
		return false, s.ddbError(cctx, "init: create table "+t.name, t.name, err)
	}
	return false, nil
}

func createInput(t tableSpec) *dynamodb.CreateTableInput {
	attrs := map[string]bool{t.hash: true, t.rng: true}
	in := &dynamodb.CreateTableInput{
		TableName:   &t.name,
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keySchema(t.hash, t.rng),
	}
	for _, ix := range t.indexes {
		attrs[ix.hash], attrs[ix.rng] = true, true
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  ptr(ix.name),
			KeySchema:  keySchema(ix.hash, ix.rng),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	for _, name := range []string{attrAccountID, attrType, attrEmail, attrRepositoryID, attrCreatedAt} {
		if attrs[name] {
			in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
				AttributeName: ptr(name), AttributeType: types.ScalarAttributeTypeS,
			})
		}
	}
	return in
}

func keySchema(hash, rng string) []types.KeySchemaElement {
	return []types.KeySchemaElement{
		{AttributeName: ptr(hash), KeyType: types.KeyTypeHash},
		{AttributeName: ptr(rng), KeyType: types.KeyTypeRange},
	}
}

// sameKeys reports whether a key schema is hash+rng.
func sameKeys(ks []types.KeySchemaElement, hash, rng string) bool {
	var h, r string
	for _, k := range ks {
		switch k.KeyType {
		case types.KeyTypeHash:
			h = deref(k.AttributeName, "")
		case types.KeyTypeRange:
			r = deref(k.AttributeName, "")
		}
	}
	return h == hash && r == rng
}

// checkLayout refuses an existing table whose keys or indexes differ from
// what coop queries, rather than failing later with a puzzling message.
func checkLayout(t tableSpec, d *types.TableDescription) error {
	if d == nil {
		return fmt.Errorf("init: table %q: empty description", t.name)
	}
	if !sameKeys(d.KeySchema, t.hash, t.rng) {
		return fmt.Errorf("init: table %q exists with other keys than %s+%s; coop leaves existing tables alone: choose other table names", t.name, t.hash, t.rng)
	}
	for _, ix := range t.indexes {
		found := false
		for _, g := range d.GlobalSecondaryIndexes {
			if deref(g.IndexName, "") == ix.name && sameKeys(g.KeySchema, ix.hash, ix.rng) {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("init: table %q exists without index %s on %s+%s; coop leaves existing tables alone: add the index or choose other table names", t.name, ix.name, ix.hash, ix.rng)
		}
	}
	return nil
}

// waitActive polls until a table and its indexes are active.
func (s *Store) waitActive(ctx context.Context, table string) error {
	ctx, cancel := context.WithTimeout(ctx, initWait)
	defer cancel()
	delay := 100 * time.Millisecond
	for {
		dctx, dcancel := s.opContext(ctx)
		out, err := s.ddb.DescribeTable(dctx, &dynamodb.DescribeTableInput{TableName: &table})
		if err != nil {
			err = s.ddbError(dctx, "init: wait for table "+table, table, err)
			dcancel()
			return err
		}
		dcancel()
		if active(out.Table) {
			return nil
		}
		if err := backend.Sleep(ctx, delay); err != nil {
			return fmt.Errorf("init: table %q not active after %s: %w", table, initWait, err)
		}
		delay = min(2*delay, 2*time.Second)
	}
}

func active(d *types.TableDescription) bool {
	if d == nil || d.TableStatus != types.TableStatusActive {
		return false
	}
	for _, g := range d.GlobalSecondaryIndexes {
		if g.IndexStatus != types.IndexStatusActive {
			return false
		}
	}
	return true
}

// deref returns *p, or def if p is nil.
func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// queryError maps a failed Query on index of table (no index: the table
// itself). A missing index is named as such, with its keys: DynamoDB says
// "the table does not have the specified index" (ValidationException),
// and some compatible services answer ResourceNotFoundException, which
// would otherwise read as a missing table; one look at the table tells.
func (s *Store) queryError(ctx context.Context, op, table, index string, err error) error {
	code, _ := apiCode(err)
	missing := code == "ValidationException" && strings.Contains(err.Error(), "specified index")
	if index != "" && code == "ResourceNotFoundException" && transportError(ctx, op, s.ddbWhere, err) == nil {
		dctx, cancel := s.opContext(context.WithoutCancel(ctx))
		_, derr := s.ddb.DescribeTable(dctx, &dynamodb.DescribeTableInput{TableName: &table})
		cancel()
		missing = derr == nil
	}
	if index == "" || !missing {
		return s.ddbError(ctx, op, table, err)
	}
	keys := ""
	for _, t := range s.tableSpecs() {
		for _, ix := range t.indexes {
			if t.name == table && ix.name == index {
				keys = " on " + ix.hash + "+" + ix.rng
			}
		}
	}
	return fmt.Errorf("%s: %w: DynamoDB table %q has no index %s%s at %s; coop init creates it with new tables: add it to this one, or choose other table names",
		op, backend.ErrNotInitialized, table, index, keys, s.ddbWhere)
}
