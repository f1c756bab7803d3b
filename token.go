package lectern

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Token is an API token. Only its SHA-256 is stored: the token itself is
// shown once, when created.
type Token struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"user"`
	Hash      string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	LastUsed  time.Time `json:"last_used"`
}

// NewToken returns a fresh random API token (40 hex digits, like Django
// REST framework's) and the hash to store.
func NewToken() (token, hash string) {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	token = hex.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the stored form of a token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// TokenService stores API tokens.
type TokenService interface {
	// CreateToken stores a new token for the user and returns it in clear,
	// the only time it is seen; ENOTFOUND for an unknown user.
	CreateToken(ctx context.Context, userID int64) (string, error)
	// FindUserByToken returns the active user owning token; EUNAUTHORIZED
	// when no token matches or the user is inactive.
	FindUserByToken(ctx context.Context, token string) (*User, error)
}
