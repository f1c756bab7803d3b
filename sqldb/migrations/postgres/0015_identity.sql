-- Single sign-on (CAS, LDAP, Shibboleth/SAML, OpenID Connect). A user's
-- auth_type is how the account was made and logs in: 'local' (a
-- password; every account before this migration), or the identity
-- source that refreshes it at each login (Pod's Owner.auth_type);
-- affiliation is the primary affiliation it gave (Pod's
-- Owner.affiliation). A group's auto_sync marks the groups made and
-- filled from affiliations and directory groups, which a login may
-- leave; an admin's groups are never touched.
--
-- once_keys are the tickets and assertion ids already used, refused
-- until they expire on every node; sso_sessions tie an identity
-- provider's session (a CAS ticket, a SAML SessionIndex) to the Lectern
-- session tokens it opened, for single logout. Both hold short-lived
-- rows, deleted once expired by the next write.
-- +goose Up
ALTER TABLE users ADD COLUMN auth_type TEXT NOT NULL DEFAULT 'local';
ALTER TABLE users ADD COLUMN affiliation TEXT NOT NULL DEFAULT '';
ALTER TABLE groups ADD COLUMN auto_sync BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE once_keys (
    key        TEXT     PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX once_keys_expires_at_idx ON once_keys(expires_at);

CREATE TABLE sso_sessions (
    source        TEXT     NOT NULL,
    session_index TEXT     NOT NULL,
    token         TEXT     NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, session_index, token)
);
CREATE INDEX sso_sessions_expires_at_idx ON sso_sessions(expires_at);

-- +goose Down
DROP TABLE sso_sessions;
DROP TABLE once_keys;
ALTER TABLE groups DROP COLUMN auto_sync;
ALTER TABLE users DROP COLUMN affiliation;
ALTER TABLE users DROP COLUMN auth_type;
