package main

// checkOIDC validates the OIDC settings.
func (c *Config) checkOIDC(bad func(key, format string, args ...any)) {}
