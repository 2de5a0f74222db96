// Package access is the access-control layer every front end goes
// through: a backend.Store wrapper that lets a caller (an account,
// anonymous, or the machine's owner at the command line) see and change
// only what it may, and records every write in the audit log.
//
// Anonymous callers read public repositories only. An account reads
// public repositories, its own, and those of organizations it belongs to;
// it writes to its own and to those of organizations where its role is
// owner, maintainer or write. A private repository the caller may not read
// answers backend.ErrNotFound, never backend.ErrUnauthorized, so its
// existence does not leak. The rules live here, not in the user interface.
package access

import (
	"fmt"
	"strings"
)

// Kind says what sort of caller a Principal is.
type Kind int

// Kinds of caller.
const (
	// KindAnonymous is a caller with no known key: public data, read only.
	KindAnonymous Kind = iota
	// KindAccount is a caller signed in as one account.
	KindAccount
	// KindOwner is the machine's owner using the command line directly:
	// everything is allowed.
	KindOwner
)

// Principal is who is calling, and from where, for access decisions and
// the audit log.
type Principal struct {
	Kind Kind
	// Account is the account id for KindAccount.
	Account string
	// User is the operating-system user for KindOwner.
	User string
	// Remote is the client's network address, or "local".
	Remote string
}

// Anonymous is a caller without a known key, connecting from remote.
func Anonymous(remote string) Principal { return Principal{Kind: KindAnonymous, Remote: remote} }

// AsAccount is a caller signed in as account id, connecting from remote.
func AsAccount(id, remote string) Principal {
	return Principal{Kind: KindAccount, Account: id, Remote: remote}
}

// Owner is the machine's owner at the command line; user names them in the
// audit log.
func Owner(user string) Principal { return Principal{Kind: KindOwner, User: user, Remote: "local"} }

// Actor is how the audit log names the caller: the account id,
// "anonymous", or "local:USER".
func (p Principal) Actor() string {
	switch p.Kind {
	case KindAccount:
		return p.Account
	case KindOwner:
		if p.User == "" {
			return "local"
		}
		return "local:" + p.User
	}
	return "anonymous"
}

// String describes the caller for messages, e.g. "alice" or "anonymous".
func (p Principal) String() string { return p.Actor() }

// Level is how much a caller may do with one repository. Levels are
// ordered: each allows everything the ones below it do.
type Level int

// Access levels, weakest first.
const (
	NoAccess Level = iota
	ReadOnly
	ReadWrite
	Admin
)

// String names the level.
func (l Level) String() string {
	switch l {
	case ReadOnly:
		return "read"
	case ReadWrite:
		return "write"
	case Admin:
		return "admin"
	}
	return "none"
}

// Role is an account's role in an organization, kept in the
// organization's private metadata under MembersField.
type Role string

// Organization roles, strongest first.
const (
	RoleOwner      Role = "owner"
	RoleMaintainer Role = "maintainer"
	RoleWrite      Role = "write"
	RoleRead       Role = "read"
)

// Roles lists the roles in order, strongest first.
func Roles() []Role { return []Role{RoleOwner, RoleMaintainer, RoleWrite, RoleRead} }

// ParseRole checks a role name from the command line or the catalog.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Roles() {
		if r == known {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q: use owner, maintainer, write or read", s)
}

// Level is what the role allows on the organization's repositories,
// private ones included. Owners and maintainers administer them; write
// members upload and delete; read members only read.
func (r Role) Level() Level {
	switch r {
	case RoleOwner, RoleMaintainer:
		return Admin
	case RoleWrite:
		return ReadWrite
	case RoleRead:
		return ReadOnly
	}
	return NoAccess
}
