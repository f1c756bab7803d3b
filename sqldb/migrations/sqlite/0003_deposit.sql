-- Deposits: treatments (Pod's RecordingFileTreatment), recordings and
-- recording files (HTTP uploads).
-- +goose Up
CREATE TABLE treatments (
    id                   INTEGER PRIMARY KEY,
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
    routed_at            DATETIME
);
CREATE INDEX treatments_recorder_state_idx ON treatments(recorder_id, state);

CREATE TABLE recordings (
    id           INTEGER PRIMARY KEY,
    recorder_id  INTEGER  NOT NULL REFERENCES recorders(id) ON DELETE CASCADE,
    user_id      INTEGER  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    treatment_id INTEGER  REFERENCES treatments(id) ON DELETE SET NULL,
    title        TEXT     NOT NULL,
    type         TEXT     NOT NULL DEFAULT 'video',
    source_file  TEXT     NOT NULL UNIQUE,
    comment      TEXT     NOT NULL DEFAULT '',
    date_added   DATETIME NOT NULL
);
CREATE INDEX recordings_recorder_idx ON recordings(recorder_id);
CREATE INDEX recordings_user_idx ON recordings(user_id);

CREATE TABLE recording_files (
    id          INTEGER PRIMARY KEY,
    file        TEXT     NOT NULL,
    file_size   INTEGER  NOT NULL DEFAULT 0,
    recorder_id INTEGER  NOT NULL REFERENCES recorders(id) ON DELETE CASCADE,
    uploaded_by INTEGER  REFERENCES users(id) ON DELETE SET NULL,
    date_added  DATETIME NOT NULL
);
CREATE INDEX recording_files_recorder_idx ON recording_files(recorder_id);

-- +goose Down
DROP TABLE recording_files;
DROP TABLE recordings;
DROP TABLE treatments;
