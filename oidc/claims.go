package oidc

import (
	"errors"
	"fmt"
	"strings"

	"lectern"
)

// Claims read besides the configured ones.
const (
	claimEmail         = "email"
	claimEmailVerified = "email_verified"
	claimSessionID     = "sid"
	claimGroups        = "groups"
	claimPrimaryAffil  = "eduperson_primary_affiliation"
)

// claimAffiliations are the claims that may list the affiliations, in
// order of preference.
var claimAffiliations = []string{"eduperson_affiliation", "affiliations"}

// identity turns the provider's claims into the person to log in.
func (h *Handler) identity(claims map[string]any) (lectern.Identity, error) {
	c := h.cfg
	id := lectern.Identity{
		Source:       lectern.AuthOIDC,
		Username:     claimString(claims, c.ClaimPreferredUsername),
		Email:        claimString(claims, claimEmail),
		FirstName:    claimString(claims, c.ClaimGivenName),
		LastName:     claimString(claims, c.ClaimFamilyName),
		Groups:       groupNames(claimStrings(claims, claimGroups)),
		SessionIndex: claimString(claims, claimSessionID),
	}
	// email_verified false: anyone could have typed that address at the
	// provider (some send it as a string).
	switch v := claims[claimEmailVerified].(type) {
	case bool:
		id.EmailUnverified = !v
	case string:
		id.EmailUnverified = strings.EqualFold(strings.TrimSpace(v), "false")
	}
	if id.Username == "" {
		return lectern.Identity{}, fmt.Errorf("no %s claim", c.ClaimPreferredUsername)
	}
	if strings.ContainsAny(id.Username, "\x00\r\n") || len(id.Username) > 150 {
		return lectern.Identity{}, errors.New("bad username claim")
	}
	for _, name := range claimAffiliations {
		if v := claimStrings(claims, name); len(v) > 0 {
			id.Affiliations = v
			break
		}
	}
	id.PrimaryAffiliation = claimString(claims, claimPrimaryAffil)
	switch {
	case id.PrimaryAffiliation != "":
	case len(id.Affiliations) > 0:
		id.PrimaryAffiliation = id.Affiliations[0]
	default:
		// The provider says nothing: Pod's OIDC backend gives every
		// person OIDC_DEFAULT_AFFILIATION.
		id.PrimaryAffiliation = c.DefaultAffiliation
	}
	id.DefaultGroups = c.DefaultGroups
	return id, nil
}

// groupNames returns groups by name: a group given as an LDAP DN (a
// memberOf released as is: cn=lecturers,ou=groups,dc=…) is named by its
// first value.
func groupNames(groups []string) []string {
	for i, g := range groups {
		if len(g) > 3 && strings.EqualFold(g[:3], "cn=") {
			if name, _, ok := strings.Cut(g[3:], ","); ok && name != "" && !strings.HasSuffix(name, "\\") {
				groups[i] = name
			}
		}
	}
	return groups
}

// claimString returns a string claim, trimmed; "" when missing or not a
// string.
func claimString(claims map[string]any, name string) string {
	s, _ := claims[name].(string)
	return strings.TrimSpace(s)
}

// claimStrings returns a claim that is a list of strings or one string
// (providers release single values either way; LL::NG joins several
// values with "; " unless told otherwise).
func claimStrings(claims map[string]any, name string) []string {
	var out []string
	add := func(s string) {
		for _, part := range strings.Split(s, ";") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	switch v := claims[name].(type) {
	case string:
		add(v)
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				add(s)
			}
		}
	}
	return out
}
