-- A held file whose FTP transfer read to end of file and was answered 226
-- but not yet confirmed: when and at what size. The FTP server completes
-- such a file at its next start if the size is unchanged, so that a server
-- killed in that window does not leave it held forever.
-- +goose Up
ALTER TABLE sightings ADD COLUMN transfer_ended_at DATETIME;
ALTER TABLE sightings ADD COLUMN transfer_ended_size INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE sightings DROP COLUMN transfer_ended_size;
ALTER TABLE sightings DROP COLUMN transfer_ended_at;
