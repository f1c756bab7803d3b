package opencast

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HTTP Digest (RFC 7616) is hand-rolled: the Go libraries found are
// clients, and the server side is small (a challenge, a parser, one hash
// formula) but must hold state no library would: nonces that expire and
// the nonce counts already used, so that a captured request cannot be
// replayed.

// nonceStore holds the nonces handed out: random, expiring, each with the
// nonce counts already used.
type nonceStore struct {
	lifetime time.Duration
	mu       sync.Mutex
	nonces   map[string]*nonce
	// order is the nonces in the order they were issued, oldest first
	// (some already gone from nonces): the oldest is dropped in constant
	// time when the store is full, not found by a scan of the whole map
	// for each challenge of a flood.
	order []string
}

type nonce struct {
	expires time.Time
	used    map[uint64]bool
}

// Bounds of the nonce store: a flood of unauthenticated requests, each
// given a nonce, cannot grow it past maxNonces (the oldest are dropped and
// their clients asked again, stale=true); a nonce used maxNonceUses times
// is stale too.
const (
	maxNonces    = 20000
	maxNonceUses = 1000
)

func newNonceStore(lifetime time.Duration) *nonceStore {
	return &nonceStore{lifetime: lifetime, nonces: map[string]*nonce{}}
}

// issue returns a new nonce: 128 random bits, bound to nothing a client
// could guess or choose.
func (s *nonceStore) issue(now time.Time) string {
	n := rand.Text()
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.nonces) >= maxNonces && len(s.order) > 0 { // full: drop the oldest
		delete(s.nonces, s.order[0])
		s.order = s.order[1:]
	}
	if len(s.order) >= 2*maxNonces { // mostly nonces already gone
		s.sweep(now)
	}
	s.nonces[n] = &nonce{expires: now.Add(s.lifetime), used: map[uint64]bool{}}
	s.order = append(s.order, n)
	return n
}

// sweep drops the expired nonces and rebuilds order from those left.
func (s *nonceStore) sweep(now time.Time) {
	order := make([]string, 0, len(s.nonces))
	for _, k := range s.order {
		if v := s.nonces[k]; v != nil {
			if now.Before(v.expires) {
				order = append(order, k)
			} else {
				delete(s.nonces, k)
			}
		}
	}
	s.order = order
}

// Results of nonceStore.use.
const (
	nonceOK     = iota
	nonceStale  // unknown (expired, or from before a restart) or worn out
	nonceReplay // this nonce count was used already
)

// use records the use of nonce n with count nc.
func (s *nonceStore) use(n string, nc uint64, now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.nonces[n]
	switch {
	case v == nil:
		return nonceStale
	case !now.Before(v.expires) || len(v.used) >= maxNonceUses:
		delete(s.nonces, n)
		return nonceStale
	case v.used[nc]:
		return nonceReplay
	}
	v.used[nc] = true
	return nonceOK
}

// digestCredentials are the parameters of an Authorization: Digest header.
type digestCredentials struct {
	username, realm, nonce, uri, response, algorithm, cnonce, opaque, qop, nc string
	userhash                                                                  bool
}

// parseDigest parses the parameters of a Digest Authorization header
// (after "Digest "): comma-separated name=value pairs, values plain
// tokens or quoted strings with backslash escapes.
func parseDigest(s string) (*digestCredentials, error) {
	params := map[string]string{}
	for s = strings.TrimSpace(s); s != ""; {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, errors.New("a parameter has no value")
		}
		name := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i, closed := 1, false
			for ; i < len(s); i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
					b.WriteByte(s[i])
				} else if s[i] == '"' {
					closed = true
					break
				} else {
					b.WriteByte(s[i])
				}
			}
			if !closed {
				return nil, errors.New("an unterminated quoted string")
			}
			val, s = b.String(), s[i+1:]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			val, s = strings.TrimSpace(s[:end]), s[end:]
		}
		if _, dup := params[name]; dup {
			return nil, fmt.Errorf("parameter %s given twice", name)
		}
		params[name] = val
		s = strings.TrimSpace(s)
		if s != "" {
			if s[0] != ',' {
				return nil, errors.New("parameters must be separated by commas")
			}
			s = strings.TrimSpace(s[1:])
		}
	}
	c := &digestCredentials{username: params["username"], realm: params["realm"], nonce: params["nonce"], uri: params["uri"],
		response: params["response"], algorithm: params["algorithm"], cnonce: params["cnonce"], opaque: params["opaque"],
		qop: params["qop"], nc: params["nc"], userhash: strings.EqualFold(params["userhash"], "true")}
	if c.username == "" || c.nonce == "" || c.uri == "" || c.response == "" {
		return nil, errors.New("username, nonce, uri and response are required")
	}
	return c, nil
}

// digestHash returns the hash function of a Digest algorithm.
func digestHash(algorithm string) (func() hash.Hash, bool) {
	switch strings.ToUpper(strings.TrimSuffix(strings.ToUpper(algorithm), "-SESS")) {
	case "", "MD5":
		return md5.New, true
	case "SHA-256":
		return sha256.New, true
	}
	return nil, false
}

func hexHash(h func() hash.Hash, parts ...string) string {
	d := h()
	d.Write([]byte(strings.Join(parts, ":")))
	return hex.EncodeToString(d.Sum(nil))
}

// check reports whether c's response is right for ha1 (the stored
// H(username:realm:password)) and the request's method; qop=auth only.
func (c *digestCredentials) check(ha1, method string) bool {
	h, ok := digestHash(c.algorithm)
	if !ok {
		return false
	}
	if strings.HasSuffix(strings.ToUpper(c.algorithm), "-SESS") {
		ha1 = hexHash(h, ha1, c.nonce, c.cnonce)
	}
	want := hexHash(h, ha1, c.nonce, c.nc, c.cnonce, c.qop, hexHash(h, method, c.uri))
	return subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(c.response))) == 1
}

// nonceCount parses nc: eight hexadecimal digits.
func (c *digestCredentials) nonceCount() (uint64, bool) {
	if len(c.nc) != 8 {
		return 0, false
	}
	n, err := strconv.ParseUint(c.nc, 16, 32)
	return n, err == nil
}

// quote makes a quoted-string.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
