package aws

import (
	"context"
	"errors"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/testservers"
)

// oddItem is a repository item as another tool may have written it: every
// attribute type DynamoDB has, nested, numbers written as text of every
// form, strings of every script, empty sets' neighbours.
func oddItem(account, repo string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrAccountID:    &types.AttributeValueMemberS{Value: account},
		attrRepositoryID: &types.AttributeValueMemberS{Value: repo},
		"title":          &types.AttributeValueMemberS{Value: "Ünïcödé \"quoted\" \\ back\nline\t日本語 🚀 \u2028"},
		"visibility":     &types.AttributeValueMemberS{Value: "public"},
		"n_int":          &types.AttributeValueMemberN{Value: "42"},
		"n_neg":          &types.AttributeValueMemberN{Value: "-0.000123"},
		"n_exp":          &types.AttributeValueMemberN{Value: "1.5E+30"},
		"n_big":          &types.AttributeValueMemberN{Value: "12345678901234567890123456789012345678"},
		"flag":           &types.AttributeValueMemberBOOL{Value: true},
		"off":            &types.AttributeValueMemberBOOL{Value: false},
		"nothing":        &types.AttributeValueMemberNULL{Value: true},
		"blob":           &types.AttributeValueMemberB{Value: []byte{0, 1, 2, 0xff, 'x'}},
		"ss":             &types.AttributeValueMemberSS{Value: []string{"b", "a", "ç"}},
		"ns":             &types.AttributeValueMemberNS{Value: []string{"1", "2.5", "-3"}},
		"bs":             &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
		"empty_s":        &types.AttributeValueMemberS{Value: ""},
		"list": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberS{Value: "x"},
			&types.AttributeValueMemberN{Value: "7"},
			&types.AttributeValueMemberL{Value: []types.AttributeValue{}},
			&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
			&types.AttributeValueMemberNULL{Value: true},
		}},
		"metadata": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"station": &types.AttributeValueMemberS{Value: "st-1"},
			"depth":   &types.AttributeValueMemberN{Value: "3.25"},
			"tags":    &types.AttributeValueMemberSS{Value: []string{"t1"}},
			"nested":  &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": &types.AttributeValueMemberBOOL{Value: true}}},
		}},
	}
}

// GetItem sent by the store itself reads what the SDK reads, attribute for
// attribute, whatever types another tool stored; a missing item is none
// in both; a missing table is the same error.
func TestDirectGetItemAnswersAsTheSDK(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	if s.ddbDirect == nil {
		t.Fatal("the store sends GetItem through the SDK")
	}
	table := s.cfg.RepositoriesTable
	for _, repo := range []string{"odd", "plain"} {
		item := oddItem("acme", repo)
		if repo == "plain" {
			item = map[string]types.AttributeValue{attrAccountID: str("acme"), attrRepositoryID: str(repo)}
		}
		if _, err := s.ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	for _, repo := range []string{"odd", "plain", "missing"} {
		key := repoKey("acme", repo)
		got, ok := s.ddbDirect.getItem(ctx, table, key)
		if !ok {
			t.Fatalf("%s: the direct GetItem was not taken", repo)
		}
		out, err := s.ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(out.Item) || len(got) > 0 && !reflect.DeepEqual(got, out.Item) {
			t.Errorf("%s: direct GetItem read\n%#v\nthe SDK\n%#v", repo, got, out.Item)
		}
		if repo == "odd" && len(got) != len(oddItem("acme", repo)) {
			t.Errorf("odd: direct GetItem read %d attributes, want the %d written", len(got), len(oddItem("acme", repo)))
		}
	}

	// Through the Store's methods, with and without the direct path.
	sdk := openStore(t, s.cfg)
	sdk.ddbDirect = nil
	for _, repo := range []string{"odd", "plain", "missing"} {
		a, aerr := s.GetRepository(ctx, "acme", repo)
		b, berr := sdk.GetRepository(ctx, "acme", repo)
		if !reflect.DeepEqual(a, b) || errString(aerr) != errString(berr) {
			t.Errorf("GetRepository(%s): direct %+v, %v; SDK %+v, %v", repo, a, aerr, b, berr)
		}
		ai, aerr := s.RepositoryItem(ctx, "acme", repo)
		bi, berr := sdk.RepositoryItem(ctx, "acme", repo)
		if !reflect.DeepEqual(ai, bi) || errString(aerr) != errString(berr) {
			t.Errorf("RepositoryItem(%s): direct %+v, %v; SDK %+v, %v", repo, ai, aerr, bi, berr)
		}
	}
	if err := s.CreateAccount(ctx, backend.Account{ID: "bob", Type: backend.AccountUser, Name: "Bob"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"bob", "nobody"} {
		a, aerr := s.GetAccount(ctx, id, backend.AccountUser)
		b, berr := sdk.GetAccount(ctx, id, backend.AccountUser)
		if !reflect.DeepEqual(a, b) || errString(aerr) != errString(berr) {
			t.Errorf("GetAccount(%s): direct %+v, %v; SDK %+v, %v", id, a, aerr, b, berr)
		}
	}

	// A table that does not exist: the SDK's error, through the SDK.
	cfg := s.cfg
	cfg.RepositoriesTable = testservers.UniqueName("none")
	noTables := openStore(t, cfg)
	_, aerr := noTables.GetRepository(ctx, "acme", "odd")
	noTables.ddbDirect = nil
	_, berr := noTables.GetRepository(ctx, "acme", "odd")
	if !errors.Is(aerr, backend.ErrNotInitialized) || errString(aerr) != errString(berr) {
		t.Errorf("missing table: direct %v; SDK %v", aerr, berr)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// A repository lookup is one GetItem request when DynamoDB answers it; an
// answer that is not a whole 200 sends it again through the SDK (its
// retries, its errors), never a third time when that one succeeds.
func TestDirectGetItemRequestsAndFallBack(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cfg := testConfig(t)
	s := openStore(t, cfg)
	if err := s.Init(ctx); err != nil {
		t.Fatal(err)
	}
	ref := newRepo(t, s)
	proxy := testservers.StartFaultProxy(t, cfg.DynamoDBEndpoint)
	cfg.DynamoDBEndpoint = proxy.URL
	p := openStore(t, cfg)
	if p.ddbDirect == nil {
		t.Fatal("the store sends GetItem through the SDK")
	}
	if _, err := p.GetRepository(ctx, ref.AccountID, ref.RepositoryID); err != nil {
		t.Fatal(err)
	}
	if n := proxy.Count("GetItem"); n != 1 {
		t.Errorf("one repository lookup sent %d GetItem requests, want 1", n)
	}
	proxy.SetFaults(testservers.Fault{Op: "GetItem", Status: 500, Times: 1})
	r, err := p.GetRepository(ctx, ref.AccountID, ref.RepositoryID)
	if err != nil || r.ID != ref.RepositoryID {
		t.Fatalf("after a failed direct GetItem: %+v, %v; want the repository through the SDK", r, err)
	}
	if n := proxy.Count("GetItem"); n != 3 {
		t.Errorf("a failed direct GetItem and the SDK's: %d requests in all, want 3", n)
	}
	proxy.SetFaults(testservers.Fault{Op: "GetItem", Drop: true, Times: 1})
	if _, err := p.GetRepository(ctx, ref.AccountID, ref.RepositoryID); err != nil {
		t.Fatalf("after a dropped direct GetItem: %v; want the repository through the SDK", err)
	}
}

// An answer whose body is not what its X-Amz-Crc32 says, or is not an
// item, is not taken from the direct path (the SDK's then decides).
func TestDirectGetItemChecksTheAnswer(t *testing.T) {
	t.Parallel()
	good := `{"Item":{"account_id":{"S":"acme"},"repository_id":{"S":"data"}}}`
	for _, c := range []struct {
		name, body, crc string
		status          int
		want            bool
	}{
		{"whole", good, "", 200, true},
		{"crc right", good, strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(good))), 10), 200, true},
		{"crc wrong", good, "12345", 200, false},
		{"crc unreadable", good, "x", 200, false},
		{"cut short", good[:30], "", 200, false},
		{"two members", `{"Item":{"a":{"S":"x","N":"1"}}}`, "", 200, false},
		{"not an object", `{"Item":{"a":"x"}}`, "", 200, false},
		{"bad base64", `{"Item":{"a":{"B":"%%%"}}}`, "", 200, false},
		{"error", `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"no"}`, "", 400, false},
		{"no item", `{}`, "", 200, true},
		{"clock", `{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"Signature expired: 20261205T100000Z is now earlier than 20261205T120000Z"}`, "", 400, false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Amz-Target") != "DynamoDB_20120810.GetItem" || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=k/") {
				w.WriteHeader(400)
				return
			}
			if c.crc != "" {
				w.Header().Set("X-Amz-Crc32", c.crc)
			}
			w.WriteHeader(c.status)
			_, _ = w.Write([]byte(c.body))
		}))
		client := dynamodb.New(dynamodb.Options{
			Region: "us-east-1", BaseEndpoint: sdkaws.String(srv.URL),
			Credentials: staticCreds{}, HTTPClient: srv.Client(),
		})
		d := newDDBDirect(client)
		if d == nil {
			t.Fatal("no direct path for a client with an endpoint and keys")
		}
		_, ok := d.getItem(context.Background(), "t", repoKey("acme", "data"))
		if ok != c.want {
			t.Errorf("%s: taken %v, want %v", c.name, ok, c.want)
		}
		if off := d.off.Load(); off != (c.name == "clock") {
			t.Errorf("%s: direct path off %v", c.name, off)
		}
		srv.Close()
	}
}

type staticCreds struct{}

func (staticCreds) Retrieve(context.Context) (sdkaws.Credentials, error) {
	return sdkaws.Credentials{AccessKeyID: "k", SecretAccessKey: "s", Source: "test"}, nil
}

// A repository lookup sent by the store allocates a fraction of what the
// SDK's pipeline did (about 410 there, the transport included;
// about 170 sent directly).
func TestDirectGetItemAllocations(t *testing.T) {
	s := newStore(t)
	ref := newRepo(t, s)
	run := func() {
		if _, err := s.GetRepository(t.Context(), ref.AccountID, ref.RepositoryID); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		run()
	}
	d := s.ddbDirect
	s.ddbDirect = nil
	sdk := testing.AllocsPerRun(30, run)
	s.ddbDirect = d
	direct := testing.AllocsPerRun(30, run)
	t.Logf("GetRepository: %.0f allocations through the SDK, %.0f direct", sdk, direct)
	if direct > 220 {
		t.Errorf("%.0f allocations for a repository lookup, want at most 220", direct)
	}
}
