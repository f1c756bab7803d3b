-- Video types and recorders, with Pod 4's Recorder fields.
-- +goose Up
CREATE TABLE video_types (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE recorders (
    id                        INTEGER PRIMARY KEY,
    name                      TEXT     NOT NULL UNIQUE,
    description               TEXT     NOT NULL DEFAULT '',
    address_ip                TEXT     NOT NULL UNIQUE,
    salt                      TEXT     NOT NULL DEFAULT '',
    credentials_login         TEXT     NOT NULL DEFAULT '',
    credentials_password_hash TEXT     NOT NULL DEFAULT '',
    recording_type            TEXT     NOT NULL DEFAULT 'video',
    -- The manager. A user cannot be deleted while managing a recorder.
    user_id                   INTEGER  REFERENCES users(id) ON DELETE RESTRICT,
    directory                 TEXT     NOT NULL UNIQUE,
    publication_auto          INTEGER  NOT NULL DEFAULT 0,
    -- Defaults given to the videos this recorder publishes.
    type_id                   INTEGER  NOT NULL REFERENCES video_types(id) ON DELETE RESTRICT,
    is_draft                  INTEGER  NOT NULL DEFAULT 1,
    is_restricted             INTEGER  NOT NULL DEFAULT 0,
    password_hash             TEXT     NOT NULL DEFAULT '',
    cursus                    TEXT     NOT NULL DEFAULT '0',
    main_lang                 TEXT     NOT NULL DEFAULT '',
    transcript                TEXT     NOT NULL DEFAULT '',
    tags                      TEXT     NOT NULL DEFAULT '',
    licence                   TEXT     NOT NULL DEFAULT '',
    allow_downloading         INTEGER  NOT NULL DEFAULT 0,
    is_360                    INTEGER  NOT NULL DEFAULT 0,
    disable_comment           INTEGER  NOT NULL DEFAULT 0,
    created_at                DATETIME NOT NULL,
    updated_at                DATETIME NOT NULL
);
-- An FTP login names one recorder.
CREATE UNIQUE INDEX recorders_credentials_login_idx ON recorders(credentials_login) WHERE credentials_login <> '';
CREATE INDEX recorders_user_id_idx ON recorders(user_id);
CREATE INDEX recorders_type_id_idx ON recorders(type_id);

CREATE TABLE recorder_additional_users (
    recorder_id INTEGER NOT NULL REFERENCES recorders(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (recorder_id, user_id)
);

CREATE TABLE recorder_groups (
    recorder_id INTEGER NOT NULL REFERENCES recorders(id) ON DELETE CASCADE,
    group_id    INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (recorder_id, group_id)
);

-- +goose Down
DROP TABLE recorder_groups;
DROP TABLE recorder_additional_users;
DROP TABLE recorders;
DROP TABLE video_types;
