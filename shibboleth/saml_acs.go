package shibboleth

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/crewjam/saml"

	"lectern"
)

// handleACS takes the identity provider's answer (HTTP-POST binding).
// The pages' CSRF check does not apply (the POST comes from the identity
// provider's page); the answer's own checks do: signature (the Response
// or the Assertion signed by a key of the IdP's metadata), Destination
// and Recipient, audience, NotBefore/NotOnOrAfter (with
// saml.MaxClockSkew), InResponseTo one of Lectern's requests, and the
// assertion used once on every node. It logs nobody in: the cross-site
// POST cannot tell whose browser brings the answer, so the checked
// identity goes sealed to SAMLContinuePath, which logs in only the
// browser that started the login (saml_continue.go).
func (s *SAML) handleACS(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, irt, err := s.consume(ctx, r)
	if err != nil {
		status := http.StatusForbidden
		var se statusError
		if errors.As(err, &se) {
			status = se.status
		}
		s.Logger.Warn("saml login refused", "err", err, "remote_addr", r.RemoteAddr)
		s.FailFunc(w, r, status)
		return
	}
	if irt == "" {
		// Unsolicited (SAML_ALLOW_IDP_INITIATED): no request, so nothing
		// to bind it to a browser; it logs in here and goes to its
		// RelayState path, if any.
		s.Logger.Info("saml login", "username", id.Username, "unsolicited", true, "remote_addr", r.RemoteAddr)
		next := localNext(s.BaseURL, r.PostFormValue("RelayState"))
		if !isLocalPath(next) {
			next = "/"
		}
		s.LoginFunc(w, r, id, next)
		return
	}
	sealed, err := s.sealAnswer(irt, id)
	if err != nil {
		s.Logger.Error("saml login", "err", err)
		s.FailFunc(w, r, http.StatusInternalServerError)
		return
	}
	s.Logger.Info("saml answer checked", "username", id.Username, "remote_addr", r.RemoteAddr)
	http.Redirect(w, r, SAMLContinuePath+"?t="+sealed, http.StatusSeeOther)
}

// statusError is a refusal answered with status (403 when an error is
// not one).
type statusError struct {
	status int
	err    error
}

func (e statusError) Error() string { return e.err.Error() }
func (e statusError) Unwrap() error { return e.err }

// consume checks the answer and returns the person it vouches for and
// the request of Lectern's it answers: "" for an unsolicited answer,
// which only SAML_ALLOW_IDP_INITIATED accepts.
func (s *SAML) consume(ctx context.Context, r *http.Request) (lectern.Identity, string, error) {
	sp, err := s.provider(ctx, true)
	if err != nil {
		return lectern.Identity{}, "", statusError{http.StatusBadGateway, err}
	}
	raw, err := base64.StdEncoding.DecodeString(r.PostFormValue("SAMLResponse"))
	if err != nil || len(raw) == 0 {
		return lectern.Identity{}, "", fmt.Errorf("no SAMLResponse in the form (%v)", err)
	}
	// The request IDs it may answer: the one it names, if Lectern made
	// it (the library then checks the signed answer names it too).
	var ids []string
	if irt := peekInResponseTo(raw); irt != "" && s.requestIDs().valid(irt, s.clock()) {
		ids = []string{irt}
	}
	a, err := sp.ParseXMLResponse(raw, ids, sp.AcsURL)
	if err != nil {
		return lectern.Identity{}, "", fmt.Errorf("saml response: %w", privateErr(err))
	}
	// With no request ID, the library accepted it as unsolicited; that
	// is never bound to a browser, so never without the setting.
	irt := ""
	if len(ids) > 0 {
		irt = ids[0]
	} else if !s.AllowIDPInitiated {
		return lectern.Identity{}, "", fmt.Errorf("saml assertion %s answers no request of ours", a.ID)
	}
	if err := s.Once.UseOnce(ctx, "saml-assertion:"+a.ID, assertionExpiry(a, s.clock())); err != nil {
		if lectern.ErrorCode(err) == lectern.ECONFLICT {
			return lectern.Identity{}, "", fmt.Errorf("saml assertion %s replayed", a.ID)
		}
		return lectern.Identity{}, "", statusError{http.StatusInternalServerError, fmt.Errorf("saml assertion %s: %w", a.ID, err)}
	}
	id, err := s.identity(a)
	return id, irt, err
}

// privateErr is what crewjam's InvalidResponseError hides (its Error is
// only "Authentication failed"), for the log.
func privateErr(err error) error {
	var ire *saml.InvalidResponseError
	if errors.As(err, &ire) && ire.PrivateErr != nil {
		return ire.PrivateErr
	}
	return err
}

// peekInResponseTo reads the Response's InResponseTo before anything is
// checked: only to pick the request ID the checked Response must name.
func peekInResponseTo(raw []byte) string {
	var resp struct {
		InResponseTo string `xml:"InResponseTo,attr"`
	}
	if xml.Unmarshal(raw, &resp) != nil {
		return ""
	}
	return resp.InResponseTo
}

// assertionExpiry is how long the assertion's ID must be remembered: as
// long as the assertion could be accepted.
func assertionExpiry(a *saml.Assertion, now time.Time) time.Time {
	exp := now.Add(requestTTL)
	if a.Conditions != nil && !a.Conditions.NotOnOrAfter.IsZero() {
		exp = a.Conditions.NotOnOrAfter
	}
	if a.Subject != nil {
		for _, c := range a.Subject.SubjectConfirmations {
			if d := c.SubjectConfirmationData; d != nil && d.NotOnOrAfter.After(exp) {
				exp = d.NotOnOrAfter
			}
		}
	}
	return exp.Add(saml.MaxClockSkew)
}
