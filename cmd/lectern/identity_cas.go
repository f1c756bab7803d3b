package main

import "log/slog"

// addCAS turns on the CAS way of logging in when configured.
func addCAS(id *identity, cfg *Config, svc *services, logger *slog.Logger) error {
	return nil
}
