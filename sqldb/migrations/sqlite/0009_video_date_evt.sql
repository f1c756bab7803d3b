-- The day of the lecture (Pod's date_evt), "2006-01-02" or '' when
-- unknown; an audiovideocast SMIL's date fills it.
-- +goose Up
ALTER TABLE videos ADD COLUMN date_evt TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE videos DROP COLUMN date_evt;
