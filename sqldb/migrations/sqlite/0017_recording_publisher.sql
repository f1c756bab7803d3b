-- Who published a recording: the person who pressed "Publish" in the add
-- form or the claim list, who may have given it to someone else (the
-- recording's user_id, its video's owner). They find it again under
-- "Published by me". NULL for a recorder's automatic publication, an
-- API client's and rows made before this migration.
-- +goose Up
ALTER TABLE recordings ADD COLUMN published_by_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
CREATE INDEX recordings_published_by_idx ON recordings(published_by_id);

-- +goose Down
DROP INDEX recordings_published_by_idx;
ALTER TABLE recordings DROP COLUMN published_by_id;
