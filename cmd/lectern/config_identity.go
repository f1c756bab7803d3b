package main

// checkIdentity validates the settings of every way of logging in.
func (c *Config) checkIdentity(bad func(key, format string, args ...any)) {
	for _, aff := range c.AffiliationStaff {
		if aff == "" {
			bad("AFFILIATION_STAFF", "an affiliation must not be empty")
		}
	}
	c.checkCAS(bad)
	c.checkLDAP(bad)
	c.checkShibboleth(bad)
	c.checkOIDC(bad)
}
