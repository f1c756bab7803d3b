package web

import (
	"context"

	"lectern"
)

// nameCache looks the names of rows up by id, once per page; a row that
// is gone has the name "".
type nameCache struct {
	find  func(context.Context, int64) (string, error)
	names map[int64]string
}

func (c *nameCache) name(ctx context.Context, id int64) (string, error) {
	if name, ok := c.names[id]; ok {
		return name, nil
	}
	name, err := c.find(ctx, id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		name, err = "", nil
	} else if err != nil {
		return "", err
	}
	c.names[id] = name
	return name, nil
}

// recorderNames names recorders, starting with those already read.
func (s *Server) recorderNames(known []*lectern.Recorder) *nameCache {
	c := &nameCache{names: map[int64]string{}, find: func(ctx context.Context, id int64) (string, error) {
		rec, err := s.deps.Recorders.FindRecorderByID(ctx, id)
		if err != nil {
			return "", err
		}
		return rec.Name, nil
	}}
	for _, r := range known {
		c.names[r.ID] = r.Name
	}
	return c
}

// usernames names users by their username.
func (s *Server) usernames() *nameCache {
	return &nameCache{names: map[int64]string{}, find: func(ctx context.Context, id int64) (string, error) {
		u, err := s.deps.Users.FindUserByID(ctx, id)
		if err != nil {
			return "", err
		}
		return u.Username, nil
	}}
}
