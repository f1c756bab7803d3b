-- A rendition's state: ready (its files are whole), or coming (planned
-- by an encode under way: never offered). A browser-ready source is
-- remuxed and offered at once while the ladder's rungs are coming.
-- +goose Up
ALTER TABLE renditions ADD COLUMN state TEXT NOT NULL DEFAULT 'ready';

-- +goose Down
ALTER TABLE renditions DROP COLUMN state;
