package lectern

import (
	"context"
	"strings"
)

// Group is a set of users; recorders may restrict their videos to groups.
type Group struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// AutoSync groups are made and filled from identity providers'
	// affiliations and groups (CREATE_GROUP_FROM_AFFILIATION,
	// CREATE_GROUP_FROM_GROUPS): each login adds the person to the ones
	// they are in and removes them from the others.
	AutoSync bool `json:"auto_sync"`
}

// Validate checks the group's name.
func (g *Group) Validate() error {
	f := FieldErrors{}
	g.Name = strings.TrimSpace(g.Name)
	if g.Name == "" {
		f.Add("name", "This field is required.")
	} else if len(g.Name) > 150 {
		f.Add("name", "Ensure this value has at most 150 characters.")
	}
	return f.Err("validate group")
}

// GroupService stores groups.
type GroupService interface {
	// FindGroups returns every group ordered by name.
	FindGroups(ctx context.Context) ([]*Group, error)
	// FindGroupByID returns the group with that id; ENOTFOUND.
	FindGroupByID(ctx context.Context, id int64) (*Group, error)
	// FindGroupByName returns the group with that exact name; ENOTFOUND.
	FindGroupByName(ctx context.Context, name string) (*Group, error)
	// CreateGroup inserts g, setting g.ID; ECONFLICT when the name is taken.
	CreateGroup(ctx context.Context, g *Group) error
	// UpdateGroup validates g and renames the group g.ID; its members,
	// and the recorders and videos restricted to it, stay (they hold its
	// id). ENOTFOUND; ECONFLICT when another group has the name.
	UpdateGroup(ctx context.Context, g *Group) error
	// DeleteGroup removes the group; ENOTFOUND.
	DeleteGroup(ctx context.Context, id int64) error
}
