-- Enrichments, as the slides of audiovideocast recordings are stored:
-- positions unique per video, an end of 0 meaning until the video's end
-- (not known before the encode), the image's size. The table of 0004 was
-- never written to.
-- +goose Up
DROP TABLE enrichments;
CREATE TABLE enrichments (
    id        INTEGER PRIMARY KEY,
    video_id  INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL CHECK (position > 0),
    type      TEXT    NOT NULL DEFAULT 'image',
    title     TEXT    NOT NULL DEFAULT '',
    image     TEXT    NOT NULL DEFAULT '', -- relative to the video's directory
    start     REAL    NOT NULL CHECK (start >= 0),
    end_at    REAL    NOT NULL DEFAULT 0 CHECK (end_at >= 0),
    width     INTEGER NOT NULL DEFAULT 0,
    height    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (video_id, position)
);
CREATE INDEX enrichments_video_idx ON enrichments(video_id, start);

-- +goose Down
DROP TABLE enrichments;
CREATE TABLE enrichments (
    id       INTEGER PRIMARY KEY,
    video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    type     TEXT    NOT NULL DEFAULT 'image',
    title    TEXT    NOT NULL DEFAULT '',
    image    TEXT    NOT NULL DEFAULT '',
    start    REAL    NOT NULL,
    end      REAL    NOT NULL,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX enrichments_video_idx ON enrichments(video_id, start);
