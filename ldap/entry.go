package ldap

import (
	"slices"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"lectern"
)

// identity reads an entry through the mapping, as Pod's
// populate_user_from_entry does: the first value of the single-valued
// keys, every value of affiliations and groups.
func (d *Directory) identity(e *goldap.Entry) lectern.Identity {
	id := lectern.Identity{
		Source:             lectern.AuthLDAP,
		Username:           d.first(e, "uid"),
		Email:              d.first(e, "mail"),
		FirstName:          d.first(e, "first_name"),
		LastName:           d.first(e, "last_name"),
		PrimaryAffiliation: d.first(e, "primaryAffiliation"),
		Affiliations:       d.all(e, "affiliations"),
	}
	for _, v := range d.all(e, "groups") {
		if g := GroupName(v); g != "" && !slices.Contains(id.Groups, g) {
			id.Groups = append(id.Groups, g)
		}
	}
	return id
}

// first returns the first value of key's attribute, trimmed.
func (d *Directory) first(e *goldap.Entry, key string) string {
	if v := d.all(e, key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// all returns the non-blank values of key's attribute, trimmed; none when
// the mapping has no such key.
func (d *Directory) all(e *goldap.Entry, key string) []string {
	attr := d.mapping[key]
	if attr == "" {
		return nil
	}
	var out []string
	for _, v := range e.GetEqualFoldAttributeValues(attr) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// GroupName returns the group name a groups value gives: the value of
// the first RDN of a DN ("cn=l3-info,ou=groups,dc=univ,dc=fr" gives
// "l3-info"), or the value itself when it is not a DN.
func GroupName(v string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "=") {
		return v
	}
	dn, err := goldap.ParseDN(v)
	if err != nil || len(dn.RDNs) == 0 || len(dn.RDNs[0].Attributes) == 0 {
		return v
	}
	return strings.TrimSpace(dn.RDNs[0].Attributes[0].Value)
}
