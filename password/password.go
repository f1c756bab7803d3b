// Package password hashes and checks passwords (user accounts, recorder FTP
// credentials, video passwords) with bcrypt. Nothing in Lectern stores a
// password in clear.
package password

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// MaxLength is bcrypt's limit: longer passwords are refused rather than
// silently truncated.
const MaxLength = 72

// ErrTooLong is returned by Hash for a password over MaxLength bytes.
var ErrTooLong = errors.New("password is longer than 72 bytes")

// Cost is the bcrypt cost. Tests may lower it.
var Cost = bcrypt.DefaultCost

// Hash returns the bcrypt hash of pw.
func Hash(pw string) (string, error) {
	if len(pw) > MaxLength {
		return "", ErrTooLong
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), Cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// Check reports whether pw matches hash. An empty hash matches nothing.
func Check(hash, pw string) bool {
	if hash == "" {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// dummy is compared against when a user does not exist, so that a login
// with an unknown name takes as long as one with a wrong password.
var dummy, _ = bcrypt.GenerateFromPassword([]byte("lectern-timing"), bcrypt.DefaultCost)

// CheckNone spends the time Check would, for an unknown account.
func CheckNone(pw string) {
	_ = bcrypt.CompareHashAndPassword(dummy, []byte(pw))
}
