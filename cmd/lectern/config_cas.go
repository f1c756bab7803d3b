package main

// checkCAS validates the CAS settings.
func (c *Config) checkCAS(bad func(key, format string, args ...any)) {}
