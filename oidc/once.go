package oidc

import (
	"context"
	"sync"
	"time"

	"lectern"
)

// memOnce is a OnceService of this process, for a single node.
type memOnce struct {
	mu   sync.Mutex
	used map[string]time.Time
	now  func() time.Time
}

// UseOnce implements lectern.OnceService.
func (o *memOnce) UseOnce(_ context.Context, key string, expires time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	for k, e := range o.used {
		if now.After(e) {
			delete(o.used, k)
		}
	}
	if _, ok := o.used[key]; ok {
		return lectern.Errorf(lectern.ECONFLICT, "%s was already used.", key)
	}
	o.used[key] = expires
	return nil
}
