-- Schedules: the booked slots of each recorder (lectern.Event), which
-- route the deposits recorded in them and feed capture agents'
-- calendars; and deposits made of several files (an Opencast media
-- package's tracks, a recording split into parts).
-- +goose Up
CREATE TABLE events (
    id              INTEGER  PRIMARY KEY AUTOINCREMENT,
    recorder_id     INTEGER  NOT NULL REFERENCES recorders(id) ON DELETE CASCADE,
    uid             TEXT     NOT NULL UNIQUE,
    start_at        DATETIME NOT NULL,
    end_at          DATETIME NOT NULL,
    title           TEXT     NOT NULL,
    owner_id        INTEGER  REFERENCES users(id) ON DELETE SET NULL,
    series          TEXT     NOT NULL DEFAULT '',
    description     TEXT     NOT NULL DEFAULT '',
    location        TEXT     NOT NULL DEFAULT '',
    feed_id         INTEGER,  -- the iCalendar feed it came from (a later migration's table)
    feed_key        TEXT     NOT NULL DEFAULT '',
    used_at         DATETIME,
    missed_alert_at DATETIME,
    agent_state     TEXT     NOT NULL DEFAULT '',
    agent_state_at  DATETIME,
    created_by      INTEGER  REFERENCES users(id) ON DELETE SET NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX events_recorder_start_idx ON events(recorder_id, start_at);
CREATE INDEX events_owner_idx ON events(owner_id);
CREATE INDEX events_feed_idx ON events(feed_id, feed_key);
CREATE INDEX events_end_idx ON events(end_at);

CREATE TABLE event_owners (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_owners_user_idx ON event_owners(user_id);

ALTER TABLE treatments ADD COLUMN event_id INTEGER REFERENCES events(id) ON DELETE SET NULL;
CREATE INDEX treatments_event_idx ON treatments(event_id);

CREATE TABLE treatment_parts (
    treatment_id INTEGER NOT NULL REFERENCES treatments(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    flavor       TEXT    NOT NULL,
    file         TEXT    NOT NULL UNIQUE,
    size         INTEGER NOT NULL,
    PRIMARY KEY (treatment_id, flavor, position)
);

-- +goose Down
DROP TABLE treatment_parts;
DROP INDEX treatments_event_idx;
ALTER TABLE treatments DROP COLUMN event_id;
DROP TABLE event_owners;
DROP TABLE events;
