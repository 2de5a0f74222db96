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
// A document may hold millions of entries, so no method holds a whole one
// in memory: reads are served one entry, one folder or one page at a time
// (from an index of the document's current version, where the store keeps
// one), and writes apply a batch of changes in one streaming pass. Writers
// never lose one another's updates.
//
// Every read fails with ErrMetadataMissing when the repository has no
// document, and wraps ErrMetadataCorrupt (with the reason) when it is not
// a metadata document at all. An entry that cannot be read never fails a
// read: it comes with ObjectMeta.Problem set.
type MetadataClient interface {
	// ReadMetadata calls fn with successive pages of the entries at folder
	// and below it ("" for every entry), in byte order of paths, each path
	// once (the last, where a document repeats one), and returns the
	// document's top-level fields. An error from fn stops the walk and is
	// returned, with the top-level fields (so a walk stopped at its first
	// page reads them cheaply). fn must not keep the page after it returns.
	ReadMetadata(ctx context.Context, repo RepoRef, folder string, fn func(page []MetadataEntry) error) (MetadataHead, error)
	// ReadObjectMetadata returns the entry of one path; an error wrapping
	// ErrNotFound (see NoEntry) if the document has none.
	ReadObjectMetadata(ctx context.Context, repo RepoRef, path string) (ObjectMeta, error)
	// ReadFolderMetadata returns one page of the entries directly inside
	// folder ("" for the root), in byte order of names. Page.Next is the
	// cursor of the next page.
	ReadFolderMetadata(ctx context.Context, repo RepoRef, folder string, req PageRequest) (Page[MetadataEntry], error)
	// UpdateMetadata applies batch to the current document (see
	// MetadataBatch) and writes the result atomically, or nothing when the
	// batch changes nothing. With no document, it starts from the entries
	// of batch.Base(), if any (and writes them even if the batch changes
	// nothing else), else from an empty document. It refuses to
	// overwrite a corrupt document (ErrMetadataCorrupt), and keeps every
	// field and entry the batch does not change as it was written.
	UpdateMetadata(ctx context.Context, repo RepoRef, batch *MetadataBatch) (MetadataResult, error)
	// UpdateObjectMetadata sets the entry for path, or removes it if meta
	// is nil: UpdateMetadata with a batch of one Set or Delete.
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
