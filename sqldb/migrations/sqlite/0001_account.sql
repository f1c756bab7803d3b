-- Accounts: users, groups, API tokens and web sessions.
-- +goose Up
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT     NOT NULL UNIQUE,
    email         TEXT     NOT NULL DEFAULT '',
    first_name    TEXT     NOT NULL DEFAULT '',
    last_name     TEXT     NOT NULL DEFAULT '',
    is_staff      INTEGER  NOT NULL DEFAULT 0,
    is_superuser  INTEGER  NOT NULL DEFAULT 0,
    is_active     INTEGER  NOT NULL DEFAULT 1,
    password_hash TEXT     NOT NULL DEFAULT '',
    date_joined   DATETIME NOT NULL,
    last_login    DATETIME
);

CREATE TABLE groups (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE user_groups (
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
);

-- Only the SHA-256 of a token is kept.
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash       TEXT     NOT NULL UNIQUE,
    created_at DATETIME NOT NULL,
    last_used  DATETIME
);

-- The table alexedwards/scs's sqlite3store reads and writes.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions(expiry);

-- +goose Down
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE user_groups;
DROP TABLE groups;
DROP TABLE users;
