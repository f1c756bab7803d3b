package shibboleth

import (
	"fmt"
	"slices"
	"strings"

	"lectern"
)

// Attribute is one entry of Pod's SHIBBOLETH_ATTRIBUTE_MAP, a header's
// (Required, Field): without a required header nobody is logged in;
// Field names the account's field it fills.
type Attribute struct {
	Required bool
	Field    string
}

// Fields a header may fill, Pod's names: the User's username,
// first_name, last_name and email, the Owner's affiliation, and the lists
// affiliations and groups (values separated by ";", as the Shibboleth
// module joins them).
var Fields = []string{"username", "first_name", "last_name", "email", "affiliation", "affiliations", "groups"}

// DefaultAttributeMap is Pod's SHIBBOLETH_ATTRIBUTE_MAP default.
func DefaultAttributeMap() map[string]Attribute {
	return map[string]Attribute{
		"REMOTE_USER":                     {true, "username"},
		"Shibboleth-givenName":            {true, "first_name"},
		"Shibboleth-sn":                   {false, "last_name"},
		"Shibboleth-mail":                 {false, "email"},
		"Shibboleth-primary-affiliation":  {false, "affiliation"},
		"Shibboleth-unscoped-affiliation": {false, "affiliations"},
	}
}

// CheckAttributeMap reports the first entry of m whose field is unknown.
func CheckAttributeMap(m map[string]Attribute) error {
	for _, h := range sortedKeys(m) {
		if !slices.Contains(Fields, m[h].Field) {
			return fmt.Errorf("header %q: unknown field %q (want one of %s)", h, m[h].Field, strings.Join(Fields, ", "))
		}
		if h == "" {
			return fmt.Errorf("a header name must not be empty")
		}
	}
	return nil
}

func sortedKeys(m map[string]Attribute) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// setField fills id's field from a header's value.
func setField(id *lectern.Identity, field, value string) {
	switch field {
	case "username":
		id.Username = value
	case "first_name":
		id.FirstName = value
	case "last_name":
		id.LastName = value
	case "email":
		id.Email = value
	case "affiliation":
		id.PrimaryAffiliation = value
	case "affiliations":
		id.Affiliations = splitValues(value)
	case "groups":
		id.Groups = splitValues(value)
	}
}

// splitValues splits a multi-valued header as the Shibboleth module joins
// the values: ";" between them, "\;" inside one.
func splitValues(s string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == ';':
			cur.WriteByte(';')
			i++
		case s[i] == ';':
			if v := strings.TrimSpace(cur.String()); v != "" {
				out = append(out, v)
			}
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	if v := strings.TrimSpace(cur.String()); v != "" {
		out = append(out, v)
	}
	return out
}

// staffAllowed applies SHIBBOLETH_STAFF_ALLOWED_DOMAINS to a principal
// name (an eduPersonPrincipalName, or Pod's username, which the
// Shibboleth module sets to it): with no domain listed everyone may be
// staff; otherwise only names ending in "@" and a listed domain.
func staffAllowed(domains []string, principal string) bool {
	if len(domains) == 0 {
		return true
	}
	principal = strings.ToLower(principal)
	for _, d := range domains {
		if strings.HasSuffix(principal, "@"+strings.ToLower(d)) {
			return true
		}
	}
	return false
}
