package shibboleth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// requestIDs makes and checks the IDs of Lectern's AuthnRequests, so
// that the assertion consumer service accepts only answers to requests
// Lectern made (InResponseTo). The ID carries its own expiry and an HMAC
// under a key only Lectern has (derived from the service provider's
// private key), so every node recognises it without storing anything.
// A cookie could not do it: the identity provider POSTs the answer
// cross-site, and the browser does not send the pages' SameSite=Lax
// cookies with it.
type requestIDs struct {
	key []byte
	ttl time.Duration
}

// requestIDPrefix starts every ID (an xs:ID must not start with a digit).
const requestIDPrefix = "id-"

// newID returns a fresh request ID valid until now+ttl:
// id-<expiry, 16 hex><random, 32 hex><mac, 32 hex>.
func (g requestIDs) newID(now time.Time) (string, error) {
	var b [8 + 16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.Add(g.ttl).Unix()))
	if _, err := rand.Read(b[8:]); err != nil {
		return "", fmt.Errorf("saml request id: %w", err)
	}
	return requestIDPrefix + hex.EncodeToString(b[:]) + hex.EncodeToString(g.mac(b[:])), nil
}

// valid reports whether id is one newID made, not yet expired at now.
func (g requestIDs) valid(id string, now time.Time) bool {
	raw, err := hex.DecodeString(strings.TrimPrefix(id, requestIDPrefix))
	if err != nil || !strings.HasPrefix(id, requestIDPrefix) || len(raw) != 8+16+16 {
		return false
	}
	if !hmac.Equal(raw[24:], g.mac(raw[:24])) {
		return false
	}
	return now.Unix() < int64(binary.BigEndian.Uint64(raw[:8]))
}

func (g requestIDs) mac(b []byte) []byte {
	m := hmac.New(sha256.New, g.key)
	m.Write(b)
	return m.Sum(nil)[:16]
}
