package lectern

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// User is an account: a recorder's manager, a video owner, an administrator.
// IsStaff users may claim recordings and reach staff pages; IsSuperuser users
// administer everything (Django's flags, as in Pod).
type User struct {
	ID           int64     `json:"id"`
	Username     string    `json:"username"`
	Email        string    `json:"email"`
	FirstName    string    `json:"first_name"`
	LastName     string    `json:"last_name"`
	IsStaff      bool      `json:"is_staff"`
	IsSuperuser  bool      `json:"is_superuser"`
	IsActive     bool      `json:"is_active"`
	PasswordHash string    `json:"-"`
	DateJoined   time.Time `json:"date_joined"`
	LastLogin    time.Time `json:"last_login"`
	Groups       []int64   `json:"groups"`
	// AuthType is how the account was made and logs in: AuthLocal (a
	// password), or the identity source of its single sign-on (AuthCAS,
	// AuthOIDC, ...), which refreshes its names, email, affiliation, staff
	// flag and groups at each login. An account that never had a password
	// cannot log in with one.
	AuthType string `json:"auth_type"`
	// Affiliation is the primary affiliation the identity provider gave
	// (student, faculty, staff, ...), as Pod's Owner.affiliation.
	Affiliation string `json:"affiliation"`
}

// FullName is "First Last", or the username when both are empty.
func (u *User) FullName() string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	return u.Username
}

var usernameRE = regexp.MustCompile(`^[\w.@+-]{1,150}$`)

// Validate checks the fields a person types. Django's username rule applies:
// letters, digits and @.+-_ only, at most 150 characters.
func (u *User) Validate() error {
	f := FieldErrors{}
	u.Username = strings.TrimSpace(u.Username)
	u.Email = strings.TrimSpace(u.Email)
	if u.Username == "" {
		f.Add("username", "This field is required.")
	} else if !usernameRE.MatchString(u.Username) {
		f.Add("username", "Enter a valid username: letters, digits and @ . + - _ only.")
	}
	if u.Email != "" {
		if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
			f.Add("email", "Enter a valid email address.")
		}
	}
	if len(u.FirstName) > 150 {
		f.Add("first_name", "Ensure this value has at most 150 characters.")
	}
	if len(u.LastName) > 150 {
		f.Add("last_name", "Ensure this value has at most 150 characters.")
	}
	return f.Err("validate user")
}

// UserFilter selects users; zero fields match everything.
type UserFilter struct {
	ID          *int64
	Username    *string
	Email       *string // exact, case-insensitive
	Search      string  // matches username, names and email, case-insensitively
	IsStaff     *bool
	IsSuperuser *bool
	IsActive    *bool
	GroupID     *int64 // members of that group
	Page        Page
}

// UserService stores users.
type UserService interface {
	// FindUserByID returns ENOTFOUND when no user has that id.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// FindUserByUsername returns ENOTFOUND when no user has that username.
	FindUserByUsername(ctx context.Context, username string) (*User, error)
	// FindUsers returns one page of matching users ordered by username, and
	// the number of all matching users.
	FindUsers(ctx context.Context, filter UserFilter) ([]*User, int, error)
	// CreateUser validates u and inserts it, setting u.ID (and AuthType to
	// AuthLocal when empty); ECONFLICT when the username is taken.
	CreateUser(ctx context.Context, u *User) error
	// UpdateUser validates u and saves every field but the password hash;
	// ENOTFOUND, ECONFLICT.
	UpdateUser(ctx context.Context, u *User) error
	// SetUserPassword stores a new password hash; ENOTFOUND.
	SetUserPassword(ctx context.Context, id int64, hash string) error
	// TouchUserLogin records a successful login now.
	TouchUserLogin(ctx context.Context, id int64) error
	// DeleteUser removes the user; ECONFLICT while recorders name them as
	// manager (their deposits would have nobody to go to).
	DeleteUser(ctx context.Context, id int64) error
	// CountUsers returns the number of users.
	CountUsers(ctx context.Context) (int, error)
}
