package backend

import (
	"fmt"
	"strings"
)

// Attribute names of the platform's Accounts and Repositories items, as
// DESIGN.md gives the schema. Both stores read and write these names.
const (
	AttrAccountID       = "account_id"
	AttrType            = "type"
	AttrName            = "name"
	AttrEmail           = "email"
	AttrCreatedAt       = "created_at"
	AttrUpdatedAt       = "updated_at"
	AttrMetadataPublic  = "metadata_public"
	AttrMetadataPrivate = "metadata_private"
	AttrRepositoryID    = "repository_id"
	AttrTitle           = "title"
	AttrDescription     = "description"
	AttrVisibility      = "visibility"
	AttrMetadata        = "metadata"
)

// FieldError names an attribute of a stored catalog item that coop could
// not read, and why. Items are written by other tools too; an attribute
// coop cannot read never hides the item: it is listed, marked, with the
// attributes that could be read, and writes leave the unread attribute as
// it is stored.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Unread reports whether field is among the attributes coop could not
// read.
func Unread(errs []FieldError, field string) bool {
	for _, e := range errs {
		if e.Field == field || e.Field == "" {
			return true
		}
	}
	return false
}

// DescribeUnread says in one line what could not be read, as
// "created_at: time "yesterday": not an ISO 8601 date or time".
func DescribeUnread(errs []FieldError) string {
	parts := make([]string, len(errs))
	for i, e := range errs {
		if e.Field == "" {
			parts[i] = e.Reason
		} else {
			parts[i] = e.Field + ": " + e.Reason
		}
	}
	return strings.Join(parts, "; ")
}

// CheckUnreadKept refuses to write a new value over an attribute that
// could not be read: what is stored there would be lost. set reports, for
// an attribute name, whether the caller gives it a value; attributes it
// leaves empty are kept as stored. what names the item in the error.
func CheckUnreadKept(what string, errs []FieldError, set func(field string) bool) error {
	for _, e := range errs {
		if e.Field == "" {
			return fmt.Errorf("%w: %s cannot be read (%s); coop does not rewrite it", ErrInvalid, what, e.Reason)
		}
		if set(e.Field) {
			return fmt.Errorf("%w: %s: %s cannot be read (%s); coop does not overwrite it", ErrInvalid, what, e.Field, e.Reason)
		}
	}
	return nil
}
