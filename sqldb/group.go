package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"lectern"
)

// GroupService implements lectern.GroupService.
type GroupService struct{ db *DB }

// NewGroupService returns the groups of db.
func NewGroupService(db *DB) *GroupService { return &GroupService{db: db} }

var _ lectern.GroupService = (*GroupService)(nil)

// FindGroups implements lectern.GroupService.
func (s *GroupService) FindGroups(ctx context.Context) ([]*lectern.Group, error) {
	rows, err := s.db.db.QueryContext(ctx, "SELECT id, name, auto_sync FROM groups ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("find groups: %w", err)
	}
	defer rows.Close()
	groups := []*lectern.Group{}
	for rows.Next() {
		var g lectern.Group
		if err := rows.Scan(&g.ID, &g.Name, &g.AutoSync); err != nil {
			return nil, fmt.Errorf("scan group: %w", err)
		}
		groups = append(groups, &g)
	}
	return groups, rows.Err()
}

// CreateGroup implements lectern.GroupService.
func (s *GroupService) CreateGroup(ctx context.Context, g *lectern.Group) error {
	if err := g.Validate(); err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *conn) error {
		err := tx.QueryRowContext(ctx, "INSERT INTO groups (name, auto_sync) VALUES (?, ?) RETURNING id", g.Name, g.AutoSync).Scan(&g.ID)
		if isUnique(err) {
			return &lectern.Error{Op: "create group", Code: lectern.ECONFLICT, Message: "A group with that name already exists.",
				Fields: map[string]string{"name": "A group with that name already exists."}}
		} else if err != nil {
			return fmt.Errorf("create group %q: %w", g.Name, err)
		}
		return nil
	})
}

// UpdateGroup implements lectern.GroupService.
func (s *GroupService) UpdateGroup(ctx context.Context, g *lectern.Group) error {
	if err := g.Validate(); err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *conn) error {
		res, err := tx.ExecContext(ctx, "UPDATE groups SET name = ? WHERE id = ?", g.Name, g.ID)
		if isUnique(err) {
			return &lectern.Error{Op: "update group", Code: lectern.ECONFLICT, Message: "A group with that name already exists.",
				Fields: map[string]string{"name": "A group with that name already exists."}}
		} else if err != nil {
			return fmt.Errorf("update group %d: %w", g.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return lectern.Errorf(lectern.ENOTFOUND, "Group not found.")
		}
		return nil
	})
}

// DeleteGroup implements lectern.GroupService.
func (s *GroupService) DeleteGroup(ctx context.Context, id int64) error {
	return s.db.execOne(ctx, "delete group", lectern.Errorf(lectern.ENOTFOUND, "Group not found."), nil,
		"DELETE FROM groups WHERE id = ?", id)
}

// FindGroupByName implements lectern.GroupService.
func (s *GroupService) FindGroupByName(ctx context.Context, name string) (*lectern.Group, error) {
	return s.findOne(ctx, "name = ?", name)
}

// FindGroupByID implements lectern.GroupService.
func (s *GroupService) FindGroupByID(ctx context.Context, id int64) (*lectern.Group, error) {
	return s.findOne(ctx, "id = ?", id)
}

func (s *GroupService) findOne(ctx context.Context, where string, arg any) (*lectern.Group, error) {
	var g lectern.Group
	err := s.db.db.QueryRowContext(ctx, "SELECT id, name, auto_sync FROM groups WHERE "+where, arg).Scan(&g.ID, &g.Name, &g.AutoSync)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Group not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find group %v: %w", arg, err)
	}
	return &g, nil
}
