-- Recorder health: what is kept of recorders' logins, and the count of
-- each recorder's deposits over a window without reading the whole
-- table. recorder_contacts holds one row per recorder, its last login
-- and its last refused login, upserted (never a row per attempt: the
-- ContactLog coalesces them). login_failures holds one row per login
-- tried that no recorder has, the most recent LoginFailuresKept only.
-- +goose Up
CREATE TABLE recorder_contacts (
    recorder_id    BIGINT      PRIMARY KEY REFERENCES recorders(id) ON DELETE CASCADE,
    login_at       TIMESTAMPTZ,
    login_addr     TEXT     NOT NULL DEFAULT '',
    login_via      TEXT     NOT NULL DEFAULT '',
    failure_at     TIMESTAMPTZ,
    failure_login  TEXT     NOT NULL DEFAULT '',
    failure_addr   TEXT     NOT NULL DEFAULT '',
    failure_via    TEXT     NOT NULL DEFAULT '',
    failure_reason TEXT     NOT NULL DEFAULT '',
    failures       INTEGER     NOT NULL DEFAULT 0
);
CREATE TABLE login_failures (
    login    TEXT     PRIMARY KEY,
    addr     TEXT     NOT NULL DEFAULT '',
    via      TEXT     NOT NULL DEFAULT '',
    reason   TEXT     NOT NULL DEFAULT '',
    first_at TIMESTAMPTZ NOT NULL,
    last_at  TIMESTAMPTZ NOT NULL,
    attempts INTEGER     NOT NULL DEFAULT 0
);
CREATE INDEX login_failures_last_at_idx ON login_failures(last_at);
CREATE INDEX treatments_recorder_date_idx ON treatments(recorder_id, date_added);
CREATE INDEX recordings_recorder_date_idx ON recordings(recorder_id, date_added);

-- +goose Down
DROP INDEX recordings_recorder_date_idx;
DROP INDEX treatments_recorder_date_idx;
DROP TABLE login_failures;
DROP TABLE recorder_contacts;
