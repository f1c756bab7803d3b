package lectern

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Accounts turns identities into accounts: one account per person however
// they log in, refreshed from the identity provider (or the directory) at
// each login, as Pod's authentication backends do.
type Accounts struct {
	Users  UserService
	Groups GroupService
	// Directory fills the identities of the sources in PopulateFrom
	// (POPULATE_USER = "LDAP" for CAS logins), and lets Adopt find people
	// who never logged in; nil: no directory.
	Directory    Directory
	PopulateFrom []string
	// AffiliationStaff (AFFILIATION_STAFF) are the affiliations that make
	// a person staff.
	AffiliationStaff []string
	// CreateGroupFromAffiliation and CreateGroupFromGroups
	// (CREATE_GROUP_FROM_AFFILIATION, CREATE_GROUP_FROM_GROUPS) keep an
	// auto-synced group per affiliation or directory group and put each
	// person in theirs.
	CreateGroupFromAffiliation bool
	CreateGroupFromGroups      bool
	// MatchByEmail lets a login whose username is unknown take the
	// account with the same email, when one account has it (for sites
	// that moved from one identity provider to another).
	MatchByEmail bool
	Now          func() time.Time
}

// ErrDirectory is in the chain of a SignIn that needed the directory
// (PopulateFrom) and could not read it: the login is refused (the
// account's names, staff flag and groups are the directory's to decide),
// and the person is told to try again rather than shown an internal error.
var ErrDirectory = errors.New("the directory did not answer")

// SignIn returns the account of the person id describes, creating it at
// their first login and refreshing its names, email, affiliation, staff
// flag and auto-synced groups from id. An inactive account, and a local
// superuser's (the break-glass account), are refused with EFORBIDDEN; an
// identity without a valid username with EINVALID.
func (a *Accounts) SignIn(ctx context.Context, id Identity) (*User, error) {
	// Only ASCII white space is trimmed, and the username must be one
	// an account can have before it is looked up: Unicode's trimming
	// would make "\u00a0kate", another person at the provider, kate.
	id.Username = strings.Trim(id.Username, " \t\r\n")
	if id.Username == "" {
		return nil, Errorf(EINVALID, "The identity provider gave no username.")
	}
	if !usernameRE.MatchString(id.Username) {
		return nil, Errorf(EINVALID, "The identity provider gave the username %q, which no account can have.", id.Username)
	}
	if a.Directory != nil && slices.Contains(a.PopulateFrom, id.Source) {
		if p, err := a.Directory.LookupPerson(ctx, id.Username); err == nil {
			id = mergeIdentity(id, *p)
		} else if ErrorCode(err) != ENOTFOUND {
			return nil, fmt.Errorf("sign in %q: %w: %w", id.Username, ErrDirectory, err)
		}
	}
	for retried := false; ; retried = true {
		u, err := a.find(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("sign in %q: %w", id.Username, err)
		}
		if u != nil && !u.IsActive {
			return nil, Errorf(EFORBIDDEN, "This account is inactive.")
		}
		if u != nil && u.IsSuperuser && isLocal(u.AuthType) {
			// The break-glass account (serve's first start makes
			// "admin") is not whoever a provider names so: a
			// provider's "admin" would administer everything. A
			// person's own single sign-on account can be made
			// superuser instead.
			return nil, Errorf(EFORBIDDEN, "%q is a local superuser's account: single sign-on does not log in to it.", u.Username)
		}
		isNew := u == nil
		u, err = a.save(ctx, u, id)
		if isNew && !retried && ErrorCode(err) == ECONFLICT {
			// Another login made the account meanwhile (a second tab
			// back from the provider): refresh that one.
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sign in %q: %w", id.Username, err)
		}
		return u, nil
	}
}

// Adopt returns the account of username: the existing one, else one made
// from the directory's entry (for an admin who picks someone who never
// logged in as a recorder's manager or a video's owner). ENOTFOUND when
// neither has them.
func (a *Accounts) Adopt(ctx context.Context, username string) (*User, error) {
	if u, err := a.Users.FindUserByUsername(ctx, username); err == nil {
		return u, nil
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, fmt.Errorf("adopt %q: %w", username, err)
	}
	if a.Directory == nil {
		return nil, Errorf(ENOTFOUND, "No user is named %q.", username)
	}
	p, err := a.Directory.LookupPerson(ctx, username)
	if err != nil {
		return nil, fmt.Errorf("adopt %q: %w", username, err)
	}
	// The directory may match another case (LDAP ignores it), and another
	// admin may adopt the same person meanwhile: the account its entry
	// names, when there is one, is theirs.
	p.Source = AuthLDAP
	u, err := a.save(ctx, nil, *p)
	if ErrorCode(err) == ECONFLICT {
		u, err = a.Users.FindUserByUsername(ctx, p.Username)
	}
	if err != nil {
		return nil, fmt.Errorf("adopt %q: %w", username, err)
	}
	return u, nil
}

// find returns the account id logs into, or nil for a new person.
func (a *Accounts) find(ctx context.Context, id Identity) (*User, error) {
	u, err := a.Users.FindUserByUsername(ctx, id.Username)
	if err == nil {
		return u, nil
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	if !a.MatchByEmail || id.Email == "" || id.EmailUnverified {
		return nil, nil
	}
	found, n, err := a.Users.FindUsers(ctx, UserFilter{Email: &id.Email, Page: Page{Size: 2}})
	if err != nil {
		return nil, err
	}
	if n != 1 || found[0].IsSuperuser || found[0].AuthType == id.Source {
		// Nobody, or several: not one person's. A superuser's account
		// is never taken by an email a provider vouches for: it logs in
		// by its username or its password. Nor is an account the same
		// provider made for another username: that is another person
		// there, who shares the address (a department's mailbox).
		return nil, nil
	}
	return found[0], nil
}

// save creates or refreshes u from id.
func (a *Accounts) save(ctx context.Context, u *User, id Identity) (*User, error) {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	isNew := u == nil
	if isNew {
		u = &User{Username: id.Username, IsActive: true, AuthType: id.Source, DateJoined: now().UTC()}
	} else if u.AuthType == "" || u.AuthType == AuthLDAP {
		// An account adopted from the directory becomes its first
		// login's; a local account keeps its password and its type.
		u.AuthType = id.Source
	}
	if e := strings.TrimSpace(id.Email); e != "" {
		// A malformed address (a directory's typo) is left out rather
		// than refuse the person: User.Validate would.
		if addr, err := mail.ParseAddress(e); err == nil && addr.Address == e {
			u.Email = e
		}
	}
	if id.FirstName != "" || id.LastName != "" {
		u.FirstName, u.LastName = id.FirstName, id.LastName
	}
	if id.PrimaryAffiliation != "" {
		u.Affiliation = id.PrimaryAffiliation
	}
	if id.Source != AuthLDAP && !u.IsSuperuser {
		// The directory's entry is not a login: an admin's pick keeps
		// the flag until the person's first login decides it.
		u.IsStaff = !id.NoStaff && a.staff(id)
	} else if isNew {
		u.IsStaff = a.staff(id)
	}
	groups, err := a.syncGroups(ctx, u.Groups, id)
	if err != nil {
		return nil, err
	}
	if u.LastLogin.IsZero() {
		// A first login (a new account, or one adopted from the
		// directory): the default groups, as Pod gives them at creation.
		if groups, err = a.defaultGroups(ctx, groups, id.DefaultGroups); err != nil {
			return nil, err
		}
	}
	u.Groups = groups
	if isNew {
		err = a.Users.CreateUser(ctx, u)
	} else {
		err = a.Users.UpdateUser(ctx, u)
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// isLocal tells whether authType is a local account's (a password; an
// empty AuthType is local, as CreateUser's contract says).
func isLocal(authType string) bool { return authType == AuthLocal || authType == "" }

// staff tells whether one of id's affiliations, or one of its directory
// groups (Pod's GROUP_STAFF, which is AFFILIATION_STAFF), is in
// AffiliationStaff.
func (a *Accounts) staff(id Identity) bool {
	for _, aff := range slices.Concat([]string{id.PrimaryAffiliation}, id.Affiliations, id.Groups) {
		if aff != "" && slices.Contains(a.AffiliationStaff, aff) {
			return true
		}
	}
	return false
}

// syncGroups returns member (a user's group ids) with the auto-synced
// groups id belongs to, made when missing, and without the auto-synced
// groups it no longer belongs to. Groups an admin made stay as they are.
func (a *Accounts) syncGroups(ctx context.Context, member []int64, id Identity) ([]int64, error) {
	var names []string
	if a.CreateGroupFromAffiliation {
		names = append(names, id.Affiliations...)
		if id.PrimaryAffiliation != "" {
			names = append(names, id.PrimaryAffiliation)
		}
	}
	if a.CreateGroupFromGroups {
		names = append(names, id.Groups...)
	}
	if a.Groups == nil || (!a.CreateGroupFromAffiliation && !a.CreateGroupFromGroups) {
		return member, nil
	}
	all, err := a.Groups.FindGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	out := []int64{}
	for _, g := range all {
		if slices.Contains(member, g.ID) && !g.AutoSync {
			out = append(out, g.ID)
		}
	}
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name == "" || len(name) > 150 {
			continue
		}
		g, err := a.Groups.FindGroupByName(ctx, name)
		if ErrorCode(err) == ENOTFOUND {
			g = &Group{Name: name, AutoSync: true}
			err = a.Groups.CreateGroup(ctx, g)
			if ErrorCode(err) == ECONFLICT { // made meanwhile by another login
				g, err = a.Groups.FindGroupByName(ctx, name)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("group %q: %w", name, err)
		}
		if !slices.Contains(out, g.ID) {
			out = append(out, g.ID)
		}
	}
	slices.Sort(out)
	return out, nil
}

// defaultGroups returns member with the groups named in names that
// exist.
func (a *Accounts) defaultGroups(ctx context.Context, member []int64, names []string) ([]int64, error) {
	if a.Groups == nil || len(names) == 0 {
		return member, nil
	}
	for _, name := range names {
		g, err := a.Groups.FindGroupByName(ctx, strings.TrimSpace(name))
		if ErrorCode(err) == ENOTFOUND {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("default group %q: %w", name, err)
		}
		if !slices.Contains(member, g.ID) {
			member = append(member, g.ID)
		}
	}
	slices.Sort(member)
	return member, nil
}

// mergeIdentity fills id with what the directory's entry p says (the
// directory wins, as POPULATE_USER = "LDAP" makes Pod do), keeping id's
// source and session.
func mergeIdentity(id, p Identity) Identity {
	p.Source, p.SessionIndex, p.NoStaff = id.Source, id.SessionIndex, id.NoStaff
	p.DefaultGroups = id.DefaultGroups
	p.Username = id.Username
	if p.Email == "" {
		p.Email = id.Email
	}
	if p.FirstName == "" && p.LastName == "" {
		p.FirstName, p.LastName = id.FirstName, id.LastName
	}
	if p.PrimaryAffiliation == "" {
		p.PrimaryAffiliation = id.PrimaryAffiliation
	}
	if len(p.Affiliations) == 0 {
		p.Affiliations = id.Affiliations
	}
	if len(p.Groups) == 0 {
		p.Groups = id.Groups
	}
	return p
}
