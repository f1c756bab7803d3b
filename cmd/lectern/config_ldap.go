package main

// checkLDAP validates the LDAP settings.
func (c *Config) checkLDAP(bad func(key, format string, args ...any)) {}
