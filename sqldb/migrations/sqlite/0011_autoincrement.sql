-- Ids are never reused: a row deleted today never lends its id to a row
-- made tomorrow, so an old link (a mail's, a bookmark, a log line) never
-- points at another file. Without AUTOINCREMENT SQLite hands out the
-- largest id + 1, which is the deleted newest row's id again.
--
-- Each table is rebuilt as https://www.sqlite.org/lang_altertable.html §7
-- says: foreign keys off (a DROP TABLE would otherwise run every ON DELETE
-- action of the tables that reference it), then in one transaction create
-- the new table, copy every row with its id, drop the old one, rename the
-- new one, recreate its indexes, check the foreign keys. PRAGMA
-- foreign_keys is a no-op inside a transaction, so the migration runs
-- outside goose's and the whole rebuild is one statement for goose, run on
-- one connection. Rebuilt: treatments, recordings, recording_files, videos,
-- messages and api_tokens (the rows links and logs name by id). No table
-- had triggers or views.
-- +goose NO TRANSACTION
-- +goose Up
-- +goose StatementBegin
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE treatments_new (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Absolute path of the deposited file; one treatment per file.
    file                 TEXT     NOT NULL UNIQUE,
    file_size            INTEGER  NOT NULL DEFAULT 0,
    recorder_id          INTEGER  REFERENCES recorders(id) ON DELETE CASCADE,
    type                 TEXT     NOT NULL DEFAULT 'video',
    require_manual_claim INTEGER  NOT NULL DEFAULT 0,
    email_sent           INTEGER  NOT NULL DEFAULT 0,
    date_email_sent      DATETIME,
    state                TEXT     NOT NULL DEFAULT 'new',
    -- How the deposit was found complete: ftp, watch, rescan, cron, notify, http.
    detected_by          TEXT     NOT NULL DEFAULT '',
    date_added           DATETIME NOT NULL,
    first_seen_at        DATETIME,
    completed_at         DATETIME,
    routed_at            DATETIME,
    reason               TEXT     NOT NULL DEFAULT ''
);
INSERT INTO treatments_new (id, file, file_size, recorder_id, type, require_manual_claim, email_sent, date_email_sent,
    state, detected_by, date_added, first_seen_at, completed_at, routed_at, reason)
SELECT id, file, file_size, recorder_id, type, require_manual_claim, email_sent, date_email_sent,
    state, detected_by, date_added, first_seen_at, completed_at, routed_at, reason FROM treatments;
DROP TABLE treatments;
ALTER TABLE treatments_new RENAME TO treatments;
CREATE INDEX treatments_recorder_state_idx ON treatments(recorder_id, state);
CREATE INDEX treatments_state_idx ON treatments(state, date_added);
CREATE INDEX treatments_date_added_idx ON treatments(date_added);

CREATE TABLE recordings_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    recorder_id  INTEGER  NOT NULL REFERENCES recorders(id) ON DELETE CASCADE,
    user_id      INTEGER  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    treatment_id INTEGER  REFERENCES treatments(id) ON DELETE SET NULL,
    title        TEXT     NOT NULL,
    type         TEXT     NOT NULL DEFAULT 'video',
    source_file  TEXT     NOT NULL UNIQUE,
    comment      TEXT     NOT NULL DEFAULT '',
    date_added   DATETIME NOT NULL
);
INSERT INTO recordings_new (id, recorder_id, user_id, treatment_id, title, type, source_file, comment, date_added)
SELECT id, recorder_id, user_id, treatment_id, title, type, source_file, comment, date_added FROM recordings;
DROP TABLE recordings;
ALTER TABLE recordings_new RENAME TO recordings;
CREATE INDEX recordings_recorder_idx ON recordings(recorder_id);
CREATE INDEX recordings_user_idx ON recordings(user_id);

CREATE TABLE recording_files_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    file         TEXT     NOT NULL,
    file_size    INTEGER  NOT NULL DEFAULT 0,
    recorder_id  INTEGER  NOT NULL REFERENCES recorders(id) ON DELETE CASCADE,
    uploaded_by  INTEGER  REFERENCES users(id) ON DELETE SET NULL,
    date_added   DATETIME NOT NULL,
    treatment_id INTEGER  REFERENCES treatments(id) ON DELETE SET NULL
);
INSERT INTO recording_files_new (id, file, file_size, recorder_id, uploaded_by, date_added, treatment_id)
SELECT id, file, file_size, recorder_id, uploaded_by, date_added, treatment_id FROM recording_files;
DROP TABLE recording_files;
ALTER TABLE recording_files_new RENAME TO recording_files;
CREATE INDEX recording_files_recorder_idx ON recording_files(recorder_id);
CREATE UNIQUE INDEX recording_files_file_idx ON recording_files(file);
CREATE INDEX recording_files_date_added_idx ON recording_files(date_added);
CREATE INDEX recording_files_treatment_idx ON recording_files(treatment_id);

CREATE TABLE videos_new (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    title             TEXT     NOT NULL,
    slug              TEXT     NOT NULL DEFAULT '',
    description       TEXT     NOT NULL DEFAULT '',
    owner_id          INTEGER  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type_id           INTEGER  NOT NULL REFERENCES video_types(id) ON DELETE RESTRICT,
    -- One video per recording, whatever crashes in between.
    recording_id      INTEGER  UNIQUE REFERENCES recordings(id) ON DELETE SET NULL,
    is_draft          INTEGER  NOT NULL DEFAULT 1,
    is_restricted     INTEGER  NOT NULL DEFAULT 0,
    password_hash     TEXT     NOT NULL DEFAULT '',
    cursus            TEXT     NOT NULL DEFAULT '0',
    main_lang         TEXT     NOT NULL DEFAULT '',
    transcript        TEXT     NOT NULL DEFAULT '',
    tags              TEXT     NOT NULL DEFAULT '',
    licence           TEXT     NOT NULL DEFAULT '',
    allow_downloading INTEGER  NOT NULL DEFAULT 0,
    is_360            INTEGER  NOT NULL DEFAULT 0,
    disable_comment   INTEGER  NOT NULL DEFAULT 0,
    source_file       TEXT     NOT NULL DEFAULT '',
    duration          REAL     NOT NULL DEFAULT 0,
    encoding_state    TEXT     NOT NULL DEFAULT 'pending',
    encoding_progress REAL     NOT NULL DEFAULT 0,
    encoding_log      TEXT     NOT NULL DEFAULT '',
    thumbnail         TEXT     NOT NULL DEFAULT '',
    date_added        DATETIME NOT NULL,
    date_updated      DATETIME NOT NULL,
    date_evt          TEXT     NOT NULL DEFAULT ''
);
INSERT INTO videos_new (id, title, slug, description, owner_id, type_id, recording_id, is_draft, is_restricted,
    password_hash, cursus, main_lang, transcript, tags, licence, allow_downloading, is_360, disable_comment,
    source_file, duration, encoding_state, encoding_progress, encoding_log, thumbnail, date_added, date_updated, date_evt)
SELECT id, title, slug, description, owner_id, type_id, recording_id, is_draft, is_restricted,
    password_hash, cursus, main_lang, transcript, tags, licence, allow_downloading, is_360, disable_comment,
    source_file, duration, encoding_state, encoding_progress, encoding_log, thumbnail, date_added, date_updated, date_evt FROM videos;
DROP TABLE videos;
ALTER TABLE videos_new RENAME TO videos;
CREATE INDEX videos_owner_idx ON videos(owner_id);

CREATE TABLE messages_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT     NOT NULL,
    treatment_id INTEGER  REFERENCES treatments(id) ON DELETE SET NULL,
    from_addr    TEXT     NOT NULL DEFAULT '',
    to_addrs     TEXT     NOT NULL DEFAULT '[]', -- JSON array
    subject      TEXT     NOT NULL DEFAULT '',
    text_body    TEXT     NOT NULL DEFAULT '',
    html_body    TEXT     NOT NULL DEFAULT '',
    state        TEXT     NOT NULL DEFAULT 'queued',
    attempts     INTEGER  NOT NULL DEFAULT 0,
    last_error   TEXT     NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    sent_at      DATETIME
);
INSERT INTO messages_new (id, kind, treatment_id, from_addr, to_addrs, subject, text_body, html_body, state, attempts,
    last_error, created_at, sent_at)
SELECT id, kind, treatment_id, from_addr, to_addrs, subject, text_body, html_body, state, attempts,
    last_error, created_at, sent_at FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE INDEX messages_state_idx ON messages(state, id);

CREATE TABLE api_tokens_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash       TEXT     NOT NULL UNIQUE,
    created_at DATETIME NOT NULL,
    last_used  DATETIME
);
INSERT INTO api_tokens_new (id, user_id, hash, created_at, last_used)
SELECT id, user_id, hash, created_at, last_used FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;

COMMIT;
PRAGMA foreign_keys = ON;
-- +goose StatementEnd

-- +goose Down
-- Going back keeps AUTOINCREMENT: plain INTEGER PRIMARY KEY tables would
-- only lose the guarantee.
SELECT 1;
