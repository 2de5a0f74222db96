package access

import (
	"context"
	"fmt"

	"github.com/coopterm/coop/backend"
)

// MembersField is where an organization keeps its members: in its
// private metadata, as a map from account id to role.
const MembersField = "members"

// Members returns an organization's members and their roles. Entries with
// an unknown role are left out: they grant nothing.
func Members(org backend.Account) map[string]Role {
	out := map[string]Role{}
	add := func(id string, v any) {
		s, _ := v.(string)
		if r, err := ParseRole(s); err == nil {
			out[id] = r
		}
	}
	switch m := org.MetadataPrivate[MembersField].(type) {
	case map[string]any:
		for id, v := range m {
			add(id, v)
		}
	case map[string]string:
		for id, v := range m {
			add(id, v)
		}
	}
	return out
}

// setMembers stores members as the organization's member map.
func setMembers(org *backend.Account, members map[string]Role) {
	if org.MetadataPrivate == nil {
		org.MetadataPrivate = map[string]any{}
	}
	m := make(map[string]any, len(members))
	for id, r := range members {
		m[id] = string(r)
	}
	org.MetadataPrivate[MembersField] = m
}

// SetMember gives account memberID the role in organization orgID,
// through store (an access Store checks that the caller may).
func SetMember(ctx context.Context, store backend.Catalog, orgID, memberID string, role Role) error {
	if _, err := ParseRole(string(role)); err != nil {
		return fmt.Errorf("%w %v", backend.ErrInvalid, err) //nolint:errorlint // the reason is text for the user
	}
	org, err := store.FindAccount(ctx, orgID)
	if err != nil {
		return backend.WithSubject("account "+orgID, err)
	}
	if org.Type != backend.AccountOrganization {
		return fmt.Errorf("%w: %s is a %s account, not an organization", backend.ErrInvalid, orgID, org.Type)
	}
	member, err := store.FindAccount(ctx, memberID)
	if err != nil {
		return backend.WithSubject("account "+memberID, err)
	}
	if member.Type != backend.AccountUser {
		return fmt.Errorf("%w: members are user accounts; %s is an account of type %s", backend.ErrInvalid, memberID, member.Type)
	}
	members := Members(org)
	members[memberID] = role
	setMembers(&org, members)
	if err := store.UpdateAccount(ctx, org); err != nil {
		return fmt.Errorf("set member of %s: %w", orgID, err)
	}
	return nil
}

// RemoveMember takes account memberID out of organization orgID.
// backend.ErrNotFound if it was not a member.
func RemoveMember(ctx context.Context, store backend.Catalog, orgID, memberID string) error {
	org, err := store.FindAccount(ctx, orgID)
	if err != nil {
		return backend.WithSubject("account "+orgID, err)
	}
	members := Members(org)
	if _, ok := members[memberID]; !ok {
		return fmt.Errorf("member %s of %s: %w", memberID, orgID, backend.ErrNotFound)
	}
	delete(members, memberID)
	setMembers(&org, members)
	if err := store.UpdateAccount(ctx, org); err != nil {
		return fmt.Errorf("remove member of %s: %w", orgID, err)
	}
	return nil
}
