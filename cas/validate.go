package cas

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"lectern"
)

// timeNow is the clock of ticket expiries.
var timeNow = time.Now

// refusedError is the server's refusal of a ticket (an
// authenticationFailure, or "no" from CAS 1): 403, where any other error
// of validate is the server's fault or the network's (502).
type refusedError struct {
	Code, Message string
}

func (e *refusedError) Error() string {
	return fmt.Sprintf("CAS server refused the ticket: %s: %s", e.Code, e.Message)
}

// validatePaths are the back-channel URLs of each CAS_VERSION.
var validatePaths = map[string]string{"1": "validate", "2": "serviceValidate", "3": "p3/serviceValidate"}

// validate asks the server whether ticket was issued for service, and
// returns the person it names.
func (h *Handler) validate(ctx context.Context, ticket, service string) (lectern.Identity, error) {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	u := h.endpoint(validatePaths[h.cfg.Version])
	u.RawQuery = url.Values{"service": {service}, "ticket": {ticket}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return lectern.Identity{}, fmt.Errorf("validate CAS ticket: %w", err)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return lectern.Identity{}, fmt.Errorf("validate CAS ticket at %s: %w", u.Host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return lectern.Identity{}, fmt.Errorf("validate CAS ticket at %s: read the answer: %w", u.Host, err)
	}
	if len(body) > MaxAnswer {
		return lectern.Identity{}, fmt.Errorf("validate CAS ticket at %s: answer over %d bytes", u.Host, MaxAnswer)
	}
	if resp.StatusCode != http.StatusOK {
		return lectern.Identity{}, fmt.Errorf("validate CAS ticket at %s: status %s", u.Host, resp.Status)
	}
	var user string
	var attrs []attribute
	if h.cfg.Version == "1" {
		user, err = parseV1(body)
	} else {
		user, attrs, err = parseServiceResponse(body)
	}
	if err != nil {
		return lectern.Identity{}, err
	}
	return h.identity(user, attrs, ticket), nil
}

// parseV1 reads CAS 1's answer: "yes\n<user>\n" or "no\n\n".
func parseV1(body []byte) (string, error) {
	lines := strings.Split(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n")
	switch strings.TrimSpace(lines[0]) {
	case "yes":
		if len(lines) < 2 || strings.TrimSpace(lines[1]) == "" {
			return "", fmt.Errorf("CAS 1 answer: yes without a user")
		}
		return trimXMLSpace(lines[1]), nil
	case "no":
		return "", &refusedError{Code: "no", Message: "CAS 1 validation answered no"}
	}
	return "", fmt.Errorf("CAS 1 answer: neither yes nor no: %.80q", body)
}

// serviceResponse is CAS 2 and 3's answer (namespace
// http://www.yale.edu/tp/cas, matched by local names).
type serviceResponse struct {
	XMLName xml.Name
	Success *struct {
		// Users must be one: an answer naming two people (a server
		// that let an attribute's value inject a <cas:user>) is
		// nobody's, whichever an XML reader would keep.
		Users      []string   `xml:"user"`
		Attributes *xmlFields `xml:"attributes"`
		// Proxies are there when the ticket was a proxy ticket:
		// another application logging in for the person, which
		// serviceValidate must refuse and Lectern does not take.
		Proxies *struct{} `xml:"proxies"`
		xmlFields
	} `xml:"authenticationSuccess"`
	Failure *struct {
		Code    string `xml:"code,attr"`
		Message string `xml:",chardata"`
	} `xml:"authenticationFailure"`
}

// xmlFields are an element's children as name and text: CAS attributes,
// a multi-valued one repeated.
type xmlFields struct {
	Fields []struct {
		XMLName xml.Name
		Value   string `xml:",chardata"`
	} `xml:",any"`
}

// attribute is one value of a CAS attribute, in the answer's order.
type attribute struct{ Name, Value string }

// parseServiceResponse reads a CAS 2 or 3 answer: the user and the
// attributes, those under <cas:attributes> and, as some older servers
// send them, those beside <cas:user>.
func parseServiceResponse(body []byte) (string, []attribute, error) {
	var sr serviceResponse
	dec := xml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&sr); err != nil {
		return "", nil, fmt.Errorf("CAS answer: not XML: %w", err)
	}
	if sr.XMLName.Local != "serviceResponse" {
		return "", nil, fmt.Errorf("CAS answer: root element %q, not serviceResponse", sr.XMLName.Local)
	}
	switch {
	case sr.Failure != nil:
		return "", nil, &refusedError{Code: strings.TrimSpace(sr.Failure.Code), Message: strings.TrimSpace(sr.Failure.Message)}
	case sr.Success == nil:
		return "", nil, fmt.Errorf("CAS answer: neither authenticationSuccess nor authenticationFailure")
	}
	if sr.Success.Proxies != nil {
		return "", nil, &refusedError{Code: "PROXIED", Message: "a proxy ticket: another application logging in for the person"}
	}
	if n := len(sr.Success.Users); n > 1 {
		return "", nil, fmt.Errorf("CAS answer: authenticationSuccess with %d users", n)
	}
	user := ""
	if len(sr.Success.Users) == 1 {
		user = trimXMLSpace(sr.Success.Users[0])
	}
	if user == "" {
		return "", nil, fmt.Errorf("CAS answer: authenticationSuccess without a user")
	}
	var attrs []attribute
	add := func(f xmlFields, skip ...string) {
		for _, a := range f.Fields {
			name := a.XMLName.Local
			if contains(skip, name) {
				continue
			}
			if v := strings.TrimSpace(a.Value); v != "" {
				attrs = append(attrs, attribute{name, v})
			}
		}
	}
	if sr.Success.Attributes != nil {
		add(*sr.Success.Attributes)
	}
	add(sr.Success.xmlFields, "user", "attributes", "proxyGrantingTicket", "proxies")
	return user, attrs, nil
}

// trimXMLSpace trims the white space an XML answer puts around a value,
// and only that: a user in no-break spaces is another user, which the
// accounts refuse, not someone else's username.
func trimXMLSpace(s string) string { return strings.Trim(s, " \t\r\n") }

// lowerASCII lowercases A to Z only (CAS_FORCE_LOWERCASE_USERNAME):
// Unicode's lowercase makes ASCII of other letters (the Kelvin sign K
// is k), which would turn a username nobody has into someone's.
func lowerASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// identity maps the answer to a lectern.Identity through Mapping.
func (h *Handler) identity(user string, attrs []attribute, ticket string) lectern.Identity {
	if h.cfg.ForceLowercaseUsername {
		user = lowerASCII(user)
	}
	all := func(field string) []string {
		name := h.mapping[field]
		if name == "" {
			return nil
		}
		var out []string
		for _, a := range attrs {
			if strings.EqualFold(a.Name, name) {
				out = append(out, a.Value)
			}
		}
		return out
	}
	first := func(field string) string {
		if v := all(field); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	return lectern.Identity{
		Source:             lectern.AuthCAS,
		Username:           user,
		Email:              first("mail"),
		FirstName:          first("first_name"),
		LastName:           first("last_name"),
		PrimaryAffiliation: first("primaryAffiliation"),
		Affiliations:       all("affiliation"),
		Groups:             all("groups"),
		SessionIndex:       ticket,
	}
}
