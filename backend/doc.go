// Package backend holds coop's domain types, the interfaces every store
// implements (Catalog, StorageClient, MetadataClient), the sentinel errors
// front ends map to messages, and input validation in one place.
//
// backend never imports tui: front ends talk to stores only through the
// interfaces declared here.
package backend
