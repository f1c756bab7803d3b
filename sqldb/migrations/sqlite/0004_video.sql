-- Videos, their renditions and enrichments (timed slides).
-- +goose Up
CREATE TABLE videos (
    id                INTEGER PRIMARY KEY,
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
    date_updated      DATETIME NOT NULL
);
CREATE INDEX videos_owner_idx ON videos(owner_id);

CREATE TABLE video_additional_owners (
    video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (video_id, user_id)
);

CREATE TABLE video_groups (
    video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (video_id, group_id)
);

CREATE TABLE renditions (
    id            INTEGER PRIMARY KEY,
    video_id      INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,            -- 360p, 720p, 1080p, audio
    kind          TEXT    NOT NULL,            -- mp4, hls, m4a
    path          TEXT    NOT NULL,
    width         INTEGER NOT NULL DEFAULT 0,
    height        INTEGER NOT NULL DEFAULT 0,
    video_bitrate INTEGER NOT NULL DEFAULT 0,
    audio_bitrate INTEGER NOT NULL DEFAULT 0,
    size          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (video_id, name, kind)
);

-- Slides of an audiovideocast, shown from start until end (seconds).
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

-- +goose Down
DROP TABLE enrichments;
DROP TABLE renditions;
DROP TABLE video_groups;
DROP TABLE video_additional_owners;
DROP TABLE videos;
