-- Deposits: why a treatment was ignored or reported, and what scans
-- remember of files that are not yet treatments.
-- +goose Up
ALTER TABLE treatments ADD COLUMN reason TEXT NOT NULL DEFAULT '';
CREATE INDEX treatments_state_idx ON treatments(state, date_added);
CREATE INDEX treatments_date_added_idx ON treatments(date_added);

-- One row per file seen but not yet complete. "held" is set while the
-- embedded FTP server receives the file, and stays set when the upload
-- breaks off, so that no scan publishes a partial file.
CREATE TABLE sightings (
    path       TEXT PRIMARY KEY,
    size       INTEGER  NOT NULL DEFAULT 0,
    mod_time   DATETIME,
    first_seen DATETIME NOT NULL,
    last_seen  DATETIME NOT NULL,
    held       INTEGER  NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE sightings;
DROP INDEX treatments_date_added_idx;
DROP INDEX treatments_state_idx;
ALTER TABLE treatments DROP COLUMN reason;
