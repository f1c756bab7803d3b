-- Several processes may work the job queue (`lectern serve`, `lectern
-- worker` on other machines). settings holds what they share: the
-- installation's id (install_id), written as a marker file into
-- MEDIA_ROOT and DEFAULT_RECORDER_PATH and checked at every start, so a
-- node whose folders are not the shared storage refuses to run. nodes
-- holds each process's heartbeat: the running jobs of a node whose
-- heartbeat is older than JOB_RESCUE_AFTER are given to the others.
-- +goose Up
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE nodes (
    id           TEXT     PRIMARY KEY, -- NODE_ID, River's client ID
    host         TEXT     NOT NULL,
    pid          INTEGER  NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE nodes;
DROP TABLE settings;
