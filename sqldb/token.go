package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"lectern"
)

// TokenService implements lectern.TokenService.
type TokenService struct{ db *DB }

// NewTokenService returns the API tokens of db.
func NewTokenService(db *DB) *TokenService { return &TokenService{db: db} }

var _ lectern.TokenService = (*TokenService)(nil)

// CreateToken implements lectern.TokenService.
func (s *TokenService) CreateToken(ctx context.Context, userID int64) (string, error) {
	token, hash := lectern.NewToken()
	err := s.db.withTx(ctx, func(tx *conn) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO api_tokens (user_id, hash, created_at) VALUES (?, ?, ?)", userID, hash, s.db.Now())
		if isForeignKey(err) {
			return lectern.Errorf(lectern.ENOTFOUND, "User not found.")
		} else if err != nil {
			return fmt.Errorf("create token for user %d: %w", userID, err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// FindUserByToken implements lectern.TokenService.
func (s *TokenService) FindUserByToken(ctx context.Context, token string) (*lectern.User, error) {
	var id int64
	err := s.db.db.QueryRowContext(ctx, `SELECT u.id FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.hash = ? AND u.is_active`, lectern.HashToken(token)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lectern.Errorf(lectern.EUNAUTHORIZED, "Invalid token.")
	} else if err != nil {
		return nil, fmt.Errorf("find token: %w", err)
	}
	return NewUserService(s.db).FindUserByID(ctx, id)
}
