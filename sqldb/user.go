package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"lectern"
)

// UserService implements lectern.UserService.
type UserService struct{ db *DB }

// NewUserService returns the users of db.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

var _ lectern.UserService = (*UserService)(nil)

const userColumns = `id, username, email, first_name, last_name, is_staff, is_superuser, is_active, password_hash, date_joined, last_login, auth_type, affiliation`

func scanUser(row rowScanner) (*lectern.User, error) {
	var u lectern.User
	var last sql.NullTime
	if err := row.Scan(&u.ID, &u.Username, &u.Email, &u.FirstName, &u.LastName, &u.IsStaff, &u.IsSuperuser, &u.IsActive, &u.PasswordHash, &u.DateJoined, &last, &u.AuthType, &u.Affiliation); err != nil {
		return nil, err
	}
	u.LastLogin = last.Time
	return &u, nil
}

// FindUserByID implements lectern.UserService.
func (s *UserService) FindUserByID(ctx context.Context, id int64) (*lectern.User, error) {
	return s.findOne(ctx, "id = ?", id)
}

// FindUserByUsername implements lectern.UserService.
func (s *UserService) FindUserByUsername(ctx context.Context, username string) (*lectern.User, error) {
	return s.findOne(ctx, "username = ?", username)
}

func (s *UserService) findOne(ctx context.Context, where string, arg any) (*lectern.User, error) {
	u, err := scanUser(s.db.db.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "User not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find user %v: %w", arg, err)
	}
	if u.Groups, err = userGroups.get(ctx, s.db.db, u.ID); err != nil {
		return nil, err
	}
	return u, nil
}

// FindUsers implements lectern.UserService.
func (s *UserService) FindUsers(ctx context.Context, f lectern.UserFilter) ([]*lectern.User, int, error) {
	w := &where{}
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.Username != nil {
		w.add("username = ?", *f.Username)
	}
	if f.Email != nil {
		w.add("lower(email) = lower(?)", *f.Email)
	}
	if f.IsStaff != nil {
		w.add("is_staff = ?", *f.IsStaff)
	}
	if f.IsSuperuser != nil {
		w.add("is_superuser = ?", *f.IsSuperuser)
	}
	if f.IsActive != nil {
		w.add("is_active = ?", *f.IsActive)
	}
	if f.GroupID != nil {
		w.add("id IN (SELECT user_id FROM user_groups WHERE group_id = ?)", *f.GroupID)
	}
	w.search(f.Search, "username", "email", "first_name", "last_name")
	users, total, err := findPage(ctx, s.db.db, "users", userColumns, w, "username", f.Page, scanUser)
	if err != nil {
		return nil, 0, err
	}
	for _, u := range users {
		if u.Groups, err = userGroups.get(ctx, s.db.db, u.ID); err != nil {
			return nil, 0, err
		}
	}
	return users, total, nil
}

// CreateUser implements lectern.UserService.
func (s *UserService) CreateUser(ctx context.Context, u *lectern.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if u.DateJoined.IsZero() {
		u.DateJoined = s.db.Now()
	}
	if u.AuthType == "" {
		u.AuthType = lectern.AuthLocal
	}
	return s.db.withTx(ctx, func(tx *conn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (username, email, first_name, last_name, is_staff, is_superuser, is_active, password_hash, date_joined, last_login, auth_type, affiliation)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.Username, u.Email, u.FirstName, u.LastName, u.IsStaff, u.IsSuperuser, u.IsActive, u.PasswordHash, u.DateJoined.UTC(), nullTime(u.LastLogin),
			u.AuthType, u.Affiliation).Scan(&u.ID)
		if err != nil {
			return userError("create user", u.Username, err)
		}
		return userError("create user", u.Username, userGroups.set(ctx, tx, u.ID, u.Groups))
	})
}

// UpdateUser implements lectern.UserService.
func (s *UserService) UpdateUser(ctx context.Context, u *lectern.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if u.AuthType == "" {
		u.AuthType = lectern.AuthLocal
	}
	return s.db.withTx(ctx, func(tx *conn) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET username = ?, email = ?, first_name = ?, last_name = ?, is_staff = ?, is_superuser = ?, is_active = ?,
			auth_type = ?, affiliation = ? WHERE id = ?`,
			u.Username, u.Email, u.FirstName, u.LastName, u.IsStaff, u.IsSuperuser, u.IsActive, u.AuthType, u.Affiliation, u.ID)
		if err != nil {
			return userError("update user", u.Username, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return lectern.Errorf(lectern.ENOTFOUND, "User not found.")
		}
		return userError("update user", u.Username, userGroups.set(ctx, tx, u.ID, u.Groups))
	})
}

func userError(op, username string, err error) error {
	switch {
	case err == nil:
		return nil
	case isUnique(err, "users.username"):
		return &lectern.Error{Op: op, Code: lectern.ECONFLICT, Message: "A user with that username already exists.",
			Fields: map[string]string{"username": "A user with that username already exists."}}
	case isForeignKey(err):
		return &lectern.Error{Op: op, Code: lectern.EINVALID, Message: "Select valid groups.",
			Fields: map[string]string{"groups": "Select valid groups."}}
	}
	return fmt.Errorf("%s %q: %w", op, username, err)
}

// SetUserPassword implements lectern.UserService.
func (s *UserService) SetUserPassword(ctx context.Context, id int64, hash string) error {
	return s.exec(ctx, "set password", "UPDATE users SET password_hash = ? WHERE id = ?", hash, id)
}

// TouchUserLogin implements lectern.UserService.
func (s *UserService) TouchUserLogin(ctx context.Context, id int64) error {
	return s.exec(ctx, "record login", "UPDATE users SET last_login = ? WHERE id = ?", s.db.Now(), id)
}

// DeleteUser implements lectern.UserService.
func (s *UserService) DeleteUser(ctx context.Context, id int64) error {
	return s.db.execOne(ctx, "delete user", lectern.Errorf(lectern.ENOTFOUND, "User not found."),
		&lectern.Error{Op: "delete user", Code: lectern.ECONFLICT,
			Message: "This user manages a recorder or owns content: give it to someone else first."},
		"DELETE FROM users WHERE id = ?", id)
}

func (s *UserService) exec(ctx context.Context, op, query string, args ...any) error {
	return s.db.execOne(ctx, op, lectern.Errorf(lectern.ENOTFOUND, "User not found."), nil, query, args...)
}

// CountUsers implements lectern.UserService.
func (s *UserService) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}
