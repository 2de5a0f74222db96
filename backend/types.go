package backend

import (
	"encoding/json"
	"strings"
	"time"
)

// AccountType is the sort key of the Accounts table.
type AccountType string

// Account types known to the platform.
const (
	AccountUser         AccountType = "user"
	AccountOrganization AccountType = "organization"
)

// Valid reports whether t is a type coop creates accounts of. Other
// writers may store accounts of other types; those are read, shown and
// opened by id like any other.
func (t AccountType) Valid() bool { return t == AccountUser || t == AccountOrganization }

// Account is one item of the Accounts table.
type Account struct {
	ID              string         `json:"account_id"`
	Type            AccountType    `json:"type"`
	Name            string         `json:"name"`
	Email           string         `json:"email,omitempty"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
	MetadataPublic  map[string]any `json:"metadata_public,omitempty"`
	MetadataPrivate map[string]any `json:"metadata_private,omitempty"`
	// Unreadable lists the attributes of the stored item that coop could
	// not read (see FieldError); empty for an item read whole.
	Unreadable []FieldError `json:"unreadable,omitempty"`
}

// Visibility says who may read a repository.
type Visibility string

// Repository visibilities known to the platform.
const (
	VisibilityPublic  Visibility = "public"
	VisibilityPrivate Visibility = "private"
)

// Valid reports whether v is a known visibility.
func (v Visibility) Valid() bool { return v == VisibilityPublic || v == VisibilityPrivate }

// Repository is one item of the Repositories table.
type Repository struct {
	ID          string         `json:"repository_id"`
	AccountID   string         `json:"account_id"`
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	Visibility  Visibility     `json:"visibility"`
	Metadata    map[string]any `json:"metadata,omitempty"`
	// Unreadable lists the attributes of the stored item that coop could
	// not read (see FieldError); empty for an item read whole.
	Unreadable []FieldError `json:"unreadable,omitempty"`
}

// Ref names the repository a repository's objects live under.
func (r Repository) Ref() RepoRef { return RepoRef{AccountID: r.AccountID, RepositoryID: r.ID} }

// RepoRef addresses a repository: its objects live under
// {AccountID}/{RepositoryID}/ in the object store.
type RepoRef struct {
	AccountID    string
	RepositoryID string
}

// String renders the ref as ACCOUNT/REPO.
func (r RepoRef) String() string { return r.AccountID + "/" + r.RepositoryID }

// EntryType tells files from directories, in listings and metadata alike.
type EntryType string

// Entry types, spelled as in .source-metadata.json.
const (
	TypeFile      EntryType = "file"
	TypeDirectory EntryType = "directory"
	// TypeLink is a symbolic link a local store does not follow (it leads
	// out of its repository, or nowhere): listed so that it is no mystery,
	// never read, written or walked into. Stores never write it to
	// metadata.
	TypeLink EntryType = "link"
)

// Entry is one row of a folder listing: a file, or a folder (a real
// directory locally, a common prefix on S3), or on a local store a link
// that is not followed (TypeLink).
type Entry struct {
	// Name is the last path segment, without a trailing slash.
	Name string `json:"name"`
	// Path is relative to the repository root, slash separated, no trailing slash.
	Path    string    `json:"path"`
	Type    EntryType `json:"type"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mod_time,omitzero"`
	// Link is set for a symbolic link on a local store. A followed one
	// (Type file or directory) describes its target; walks do not enter a
	// linked folder, so that links cannot lead them round in circles.
	Link bool `json:"link,omitempty"`
	// Odd says why the name cannot be used as it is (see OddName): an
	// object other tools stored under a key coop cannot address, or a name
	// that does not print as it is. Such entries are listed, marked, never
	// hidden.
	Odd string `json:"odd,omitempty"`
}

// Addressable reports whether a path can reach the entry: not an S3 key's
// empty, "." or ".." segment (see OddName), which is listed but cannot be
// opened, read or deleted through coop.
func (e Entry) Addressable() bool { return AddressableName(e.Name) }

// AddressableName reports whether a path segment named name can be
// reached: not "", ".", ".." nor a name holding NUL.
func AddressableName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsRune(name, 0)
}

// IsDir reports whether the entry is a folder.
func (e Entry) IsDir() bool { return e.Type == TypeDirectory }

// IsLink reports whether the entry is a link that is not followed: it is
// neither a file nor a folder to anyone.
func (e Entry) IsLink() bool { return e.Type == TypeLink }

// ObjectInfo is what the object store itself knows of one object.
type ObjectInfo struct {
	Path        string    `json:"path"`
	Size        int64     `json:"size"`
	ModTime     time.Time `json:"mod_time,omitzero"`
	ContentType string    `json:"content_type,omitempty"`
	ETag        string    `json:"etag,omitempty"`
	// Checksum is "sha256:<hex>" when the store knows it.
	Checksum string `json:"checksum,omitempty"`
	// CRC32C is the content's CRC-32C (see ContentHash) when the store
	// has just computed it, writing the object.
	CRC32C string `json:"crc32c,omitempty"`
}

// MetadataFileName is the per-repository metadata file, kept at the
// repository root and never shown as a file in listings.
const MetadataFileName = ".source-metadata.json"

// SourceMetadata is a whole .source-metadata.json decoded in memory: the
// plain form for small documents, tests and the in-memory store. Stores
// never hold a large document this way; they stream it (see
// MetadataClient). Fields coop does not know are kept in Extra, and its
// JSON encoding (metajson.go) writes them back.
type SourceMetadata struct {
	RepositoryID string
	AccountID    string
	LastUpdated  time.Time
	Objects      map[string]ObjectMeta
	// Extra holds the top-level fields coop does not know, as written.
	Extra map[string]json.RawMessage
}

// Head is the document's top-level fields, without its entries.
func (m SourceMetadata) Head() MetadataHead {
	return MetadataHead{RepositoryID: m.RepositoryID, AccountID: m.AccountID, LastUpdated: m.LastUpdated, Extra: m.Extra}
}

// MetadataHead is the top level of a metadata document, without its
// entries: what a streaming read returns beside them.
type MetadataHead struct {
	RepositoryID string
	AccountID    string
	LastUpdated  time.Time
	// Extra holds the top-level fields coop does not know, as written.
	Extra map[string]json.RawMessage
}

// MetadataEntry is one entry of a metadata document with its path.
type MetadataEntry struct {
	Path string
	Meta ObjectMeta
}

// ObjectMeta is one entry of SourceMetadata.Objects, keyed by path. It is
// read tolerantly (metajson.go): times in any ISO 8601 form, fields coop
// does not know kept in Extra, and an entry that cannot be read at all
// marked with Problem instead of failing the document.
type ObjectMeta struct {
	ID        string
	Type      EntryType
	Size      int64
	MimeType  string
	CreatedAt time.Time
	UpdatedAt time.Time
	Checksum  string
	// CRC32C is written beside Checksum, from the same bytes, for
	// downloads to check quickly (see ContentHash). Entries written by
	// other tools may lack it; downloads then check the SHA-256.
	CRC32C string
	// Metadata is the entry's custom metadata. Numbers in it are
	// json.Number, so that no digit is lost on a rewrite.
	Metadata map[string]any
	// Extra holds the entry's fields coop does not know, as written.
	Extra map[string]json.RawMessage
	// Problem says why the entry, or one of its fields, could not be
	// read; empty when it could. The fields hold what could be read.
	Problem string
	// Raw is the entry as written, kept when Problem is set: encoding
	// such an entry writes Raw back unchanged.
	Raw json.RawMessage
}

// Page is one page of a paged listing. Next is an opaque cursor for the
// following page; it is empty on the last page.
type Page[T any] struct {
	Items []T
	Next  string
}

// PageRequest asks for one page. Limit <= 0 lets the store choose; Cursor
// is empty for the first page, or a Page.Next from the previous call.
type PageRequest struct {
	Limit  int
	Cursor string
}
