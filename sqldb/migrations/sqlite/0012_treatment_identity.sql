-- What tells a deposit's file from another at the same path, and finds it
-- again under a new name: its inode number and modification time (in
-- nanoseconds) when it was found complete. A rename keeps both, so a
-- pending deposit renamed or moved into a sub-folder keeps its treatment;
-- a new file at the path of a published one has others, so it is a new
-- deposit. 0 for rows made before this migration.
-- +goose Up
ALTER TABLE treatments ADD COLUMN file_ino INTEGER NOT NULL DEFAULT 0;
ALTER TABLE treatments ADD COLUMN file_mtime_ns INTEGER NOT NULL DEFAULT 0;
CREATE INDEX treatments_file_ino_idx ON treatments(file_ino) WHERE file_ino <> 0;

-- +goose Down
DROP INDEX treatments_file_ino_idx;
ALTER TABLE treatments DROP COLUMN file_mtime_ns;
ALTER TABLE treatments DROP COLUMN file_ino;
