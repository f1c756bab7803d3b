package main

// checkShibboleth validates the Shibboleth settings.
func (c *Config) checkShibboleth(bad func(key, format string, args ...any)) {}
