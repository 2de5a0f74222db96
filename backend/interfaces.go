package backend

import (
	"context"
	"io"
)

// Catalog holds accounts and repositories and serves every access pattern
// of the platform's tables. List calls are paged; no implementation scans
// a whole table.
type Catalog interface {
	// CreateAccount adds an account; ErrExists if (ID, Type) is taken.
	CreateAccount(ctx context.Context, a Account) error
	// GetAccount reads an account by its full key.
	GetAccount(ctx context.Context, id string, typ AccountType) (Account, error)
	// FindAccount reads an account by id alone, whatever its type.
	FindAccount(ctx context.Context, id string) (Account, error)
	// UpdateAccount replaces an existing account and sets UpdatedAt.
	UpdateAccount(ctx context.Context, a Account) error
	// ListAccounts lists accounts of one type ("" for all) by id (GSI1).
	ListAccounts(ctx context.Context, typ AccountType, req PageRequest) (Page[Account], error)
	// FindAccountByEmail finds the account with this email (GSI2).
	FindAccountByEmail(ctx context.Context, email string) (Account, error)

	// CreateRepository adds a repository; ErrExists if taken, ErrNotFound if
	// its account does not exist.
	CreateRepository(ctx context.Context, r Repository) error
	// GetRepository reads a repository by its key.
	GetRepository(ctx context.Context, accountID, repositoryID string) (Repository, error)
	// UpdateRepository replaces an existing repository and sets UpdatedAt.
	UpdateRepository(ctx context.Context, r Repository) error
	// ListRepositories lists an account's repositories, newest first (GSI1).
	ListRepositories(ctx context.Context, accountID string, req PageRequest) (Page[Repository], error)
}

// StorageClient is the object store: one repository's files under
// {account_id}/{repository_id}/.
type StorageClient interface {
	// ListObjects lists one folder level (folder "" is the repository root),
	// in byte order of names, one page at a time. The metadata file is never
	// listed. ErrNotFound if the folder does not exist.
	ListObjects(ctx context.Context, repo RepoRef, folder string, req PageRequest) (Page[Entry], error)
	// StatObject returns what the store knows of one object or folder.
	StatObject(ctx context.Context, repo RepoRef, path string) (ObjectInfo, error)
	// GetObject opens an object's content; the caller closes it.
	GetObject(ctx context.Context, repo RepoRef, path string) (io.ReadCloser, ObjectInfo, error)
	// PutObject stores r under path, replacing any object there. size is
	// the length of r, or -1 if unknown. Nothing is visible under path
	// until the whole content is stored.
	PutObject(ctx context.Context, repo RepoRef, path string, r io.Reader, size int64) (ObjectInfo, error)
	// DeleteObject removes one object. ErrNotFound if there is none.
	DeleteObject(ctx context.Context, repo RepoRef, path string) error
}

// MetadataClient reads and writes a repository's .source-metadata.json.
// Writers never lose one another's updates.
type MetadataClient interface {
	// ReadMetadata reads the metadata file. A missing file is
	// ErrMetadataMissing; an unparseable one wraps ErrMetadataCorrupt with
	// the reason.
	ReadMetadata(ctx context.Context, repo RepoRef) (SourceMetadata, error)
	// UpdateMetadata applies fn to the current metadata (an empty document
	// if there is none) and writes the result atomically. It refuses to
	// overwrite a corrupt file (ErrMetadataCorrupt).
	UpdateMetadata(ctx context.Context, repo RepoRef, fn func(*SourceMetadata) error) error
	// UpdateObjectMetadata sets the entry for path, or removes it if meta is nil.
	UpdateObjectMetadata(ctx context.Context, repo RepoRef, path string, meta *ObjectMeta) error
}

// Store is one backend: a catalog, an object store and the metadata
// files, plus what a front end shows about where they are.
type Store interface {
	Catalog
	StorageClient
	MetadataClient
	// Init creates tables or the storage layout if missing; idempotent.
	Init(ctx context.Context) error
	// Location describes the store for headers and messages, e.g. a local
	// path or "s3://bucket @ endpoint".
	Location() string
	// Close releases what the store holds open.
	Close() error
}
