// Package ldap is the university's people directory, read over LDAP with
// Pod's settings: it implements lectern.Directory, so that logins are
// filled from the directory (POPULATE_USER = "LDAP") and admins can pick
// someone who never logged in as a recorder's manager or a video's owner.
//
// # Settings (Pod's names)
//
//   - LDAP_SERVER {url, port, use_ssl}: Config.URL, Port, UseSSL. The url
//     is ldap://host[:port], ldaps://host[:port] or, as in Pod's own
//     examples, a bare host name. TLS when the scheme is ldaps or use_ssl
//     is true, with the system's roots. The port is the url's, else port,
//     else 389 (636 with TLS). Pod's tuple of urls (referral hosts) is not
//     supported: give one url.
//   - AUTH_LDAP_BIND_DN, AUTH_LDAP_BIND_PASSWORD: Config.BindDN and
//     BindPassword, a simple bind before every request; an empty DN binds
//     anonymously, as Pod does.
//   - AUTH_LDAP_USER_SEARCH (base, filter): Config.Base and Filter. A
//     person is looked up with the filter where %(uid)s is their username
//     (%% is a percent sign, as in Python's formatting), in the whole
//     subtree under base. The people search reuses the filter with %(uid)s
//     as "*" (so a site's objectClass condition still applies), and with
//     it, for every word of the query, one of the uid, mail, first_name,
//     last_name attributes or cn contains the word.
//   - USER_LDAP_MAPPING_ATTRIBUTES: Config.Mapping, Pod's keys (uid, mail,
//     first_name, last_name, primaryAffiliation, affiliations, groups,
//     establishment) to the entry's attribute names, case-insensitively;
//     Pod's defaults in DefaultMapping. establishment is accepted for
//     Pod's settings and not used (Lectern's accounts have none).
//
// Every value put in a filter (the username, each word of a query) goes
// through ldap.EscapeFilter, so that "*)(uid=*" or a NUL byte is matched
// as text and never changes the filter.
//
// # Groups
//
// The groups attribute (memberOf by default) holds group DNs; the group's
// name is the value of the DN's first RDN, the cn of
// "cn=l3-info,ou=groups,dc=univ,dc=fr", for it is short and reads as the
// name an admin knows (Pod keeps the whole DN, which is too long for a
// group's name here). A value that is not a DN is kept as it is. Two
// groups with the same cn under different branches are then one group.
//
// # Connections
//
// Each call dials, binds, makes its one or two requests and closes: the
// directory is asked at a login or while an admin types in a people
// picker, a few times a minute at most, so a pool would keep idle
// connections that the directory or a firewall drops after a while, and
// would have to detect and redial them; a fresh connection costs one
// handshake and a bind, and survives the directory's restarts and
// fail-overs. The dial and every request are bounded by Config.Timeout,
// and the connection is closed as soon as the caller's context ends.
package ldap
