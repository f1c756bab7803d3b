package password

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// DigestRealm is the HTTP Digest realm of the Opencast capture agents'
// login: Opencast's own, which agents may expect.
const DigestRealm = "Opencast"

// Digest returns the HTTP Digest secrets (RFC 7616's HA1, for MD5 and
// SHA-256) of login and pw in DigestRealm, to be stored beside the bcrypt
// hash when a recorder's password is set: Digest checks a response
// against HA1, which bcrypt cannot give back. The stored text is
// "<md5 HA1> <sha-256 HA1> <login>"; the login is kept so that a login
// changed later without a new password is seen (the secrets no longer
// match it). Empty when login or pw is.
//
// HA1 is as good as the password for Digest logins to Lectern (it is
// what a client proves knowledge of), like the bcrypt hash it is never
// shown, nor sent by the API.
func Digest(login, pw string) string {
	if login == "" || pw == "" || strings.ContainsAny(login, " \t\r\n") {
		return ""
	}
	a1 := login + ":" + DigestRealm + ":" + pw
	m := md5.Sum([]byte(a1)) // #nosec G401 -- RFC 7616's MD5, which agents speak
	s := sha256.Sum256([]byte(a1))
	return hex.EncodeToString(m[:]) + " " + hex.EncodeToString(s[:]) + " " + login
}

// DigestHA1 returns the HA1 stored in digest (Digest's text) for
// algorithm ("MD5" or "SHA-256", case-insensitive, with or without
// "-sess" which the caller handles) and login; false when digest is
// empty, malformed, or was made for another login.
func DigestHA1(digest, algorithm, login string) (string, bool) {
	parts := strings.SplitN(digest, " ", 3)
	if len(parts) != 3 || parts[2] != login || login == "" {
		return "", false
	}
	switch strings.ToUpper(strings.TrimSuffix(strings.ToUpper(algorithm), "-SESS")) {
	case "", "MD5":
		return parts[0], len(parts[0]) == 2*md5.Size
	case "SHA-256":
		return parts[1], len(parts[1]) == 2*sha256.Size
	}
	return "", false
}
