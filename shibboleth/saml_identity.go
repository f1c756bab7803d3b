package shibboleth

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/crewjam/saml"

	"lectern"
)

// Attribute names an identity provider may use for the person: the
// friendly name (LDAP's, eduPerson's) and the urn:oid name (SAML2 URI
// profile, what Shibboleth and the federations send).
var samlAttributeNames = map[string][]string{
	"uid":                         {"uid", "urn:oid:0.9.2342.19200300.100.1.1"},
	"mail":                        {"mail", "urn:oid:0.9.2342.19200300.100.1.3"},
	"givenName":                   {"givenName", "urn:oid:2.5.4.42"},
	"sn":                          {"sn", "surname", "urn:oid:2.5.4.4"},
	"eduPersonAffiliation":        {"eduPersonAffiliation", "urn:oid:1.3.6.1.4.1.5923.1.1.1.1"},
	"eduPersonPrimaryAffiliation": {"eduPersonPrimaryAffiliation", "urn:oid:1.3.6.1.4.1.5923.1.1.1.5"},
	"eduPersonPrincipalName":      {"eduPersonPrincipalName", "urn:oid:1.3.6.1.4.1.5923.1.1.1.6"},
	"memberOf":                    {"memberOf", "urn:oid:1.2.840.113556.1.2.102"},
	"isMemberOf":                  {"isMemberOf", "urn:oid:1.3.6.1.4.1.5923.1.5.1.1"},
}

// samlAttributes are an assertion's attribute values by every name
// (Name and FriendlyName) they were sent under.
type samlAttributes map[string][]string

func newSAMLAttributes(a *saml.Assertion) samlAttributes {
	m := samlAttributes{}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			var vals []string
			for _, v := range at.Values {
				if s := strings.TrimSpace(v.Value); s != "" {
					vals = append(vals, s)
				}
			}
			for _, n := range []string{at.Name, at.FriendlyName} {
				if n != "" {
					m[n] = append(m[n], vals...)
				}
			}
		}
	}
	return m
}

// values returns the attribute's values under any of its names (name
// itself if it is not a known one: an urn:oid, another attribute).
func (m samlAttributes) values(name string) []string {
	names, ok := samlAttributeNames[name]
	if !ok {
		names = []string{name}
		for _, ns := range samlAttributeNames {
			for _, n := range ns {
				if n == name {
					names = ns
				}
			}
		}
	}
	var out []string
	for _, n := range names {
		if v := m[n]; len(v) > 0 {
			out = append(out, v...)
			break
		}
	}
	return out
}

func (m samlAttributes) first(name string) string {
	if v := m.values(name); len(v) > 0 {
		return v[0]
	}
	return ""
}

// identity is the person the checked assertion vouches for.
func (s *SAML) identity(a *saml.Assertion) (lectern.Identity, error) {
	attrs := newSAMLAttributes(a)
	userAttr := s.UsernameAttribute
	if userAttr == "" {
		userAttr = "uid"
	}
	id := lectern.Identity{
		Source:             lectern.AuthSAML,
		Username:           attrs.first(userAttr),
		Email:              attrs.first("mail"),
		FirstName:          attrs.first("givenName"),
		LastName:           attrs.first("sn"),
		PrimaryAffiliation: attrs.first("eduPersonPrimaryAffiliation"),
		Affiliations:       attrs.values("eduPersonAffiliation"),
	}
	for _, g := range append(attrs.values("memberOf"), attrs.values("isMemberOf")...) {
		id.Groups = append(id.Groups, groupName(g))
	}
	if id.Username == "" {
		return id, statusError{http.StatusForbidden, fmt.Errorf("saml assertion %s has no %s attribute (SAML_USERNAME_ATTRIBUTE)", a.ID, userAttr)}
	}
	principal := attrs.first("eduPersonPrincipalName")
	if principal == "" {
		principal = id.Username
	}
	id.NoStaff = !staffAllowed(s.StaffAllowedDomains, principal)
	for _, st := range a.AuthnStatements {
		if st.SessionIndex != "" {
			id.SessionIndex = st.SessionIndex
			break
		}
	}
	return id, nil
}

// groupName is a group's name from memberOf's DN (the cn of
// "cn=lecturers,ou=groups,dc=..."), or the value as sent when it is not
// a DN whose first part is a cn.
func groupName(v string) string {
	first, _, _ := strings.Cut(v, ",")
	if k, name, ok := strings.Cut(first, "="); ok && strings.EqualFold(strings.TrimSpace(k), "cn") && name != "" {
		return strings.TrimSpace(name)
	}
	return v
}
