-- iCalendar feeds (lectern.Feed): a recorder's timetable imported from a
-- URL, refreshed periodically, or from uploaded files. events.feed_id
-- (0019) names the feed an event came from; deleting a feed deletes
-- those of its events no recording used (sqldb.FeedService.DeleteFeed).
-- lease_until is the import lease: one node imports a feed at a time.
-- +goose Up
CREATE TABLE feeds (
    id              INTEGER  PRIMARY KEY AUTOINCREMENT,
    recorder_id     INTEGER  NOT NULL REFERENCES recorders(id) ON DELETE CASCADE,
    name            TEXT     NOT NULL,
    url             TEXT     NOT NULL DEFAULT '',
    refresh_seconds INTEGER  NOT NULL DEFAULT 0,
    rule_kind       TEXT     NOT NULL DEFAULT '',
    rule_property   TEXT     NOT NULL DEFAULT '',
    rule_pattern    TEXT     NOT NULL DEFAULT '',
    last_attempt_at DATETIME,
    last_import_at  DATETIME,
    last_report     TEXT     NOT NULL DEFAULT '', -- lectern.FeedReport as JSON
    last_error      TEXT     NOT NULL DEFAULT '',
    lease_until     DATETIME,
    created_by      INTEGER  REFERENCES users(id) ON DELETE SET NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX feeds_recorder_idx ON feeds(recorder_id, name);

-- +goose Down
DROP TABLE feeds;
