-- Recording files (HTTP uploads): a path names one recording file, so that
-- finishing the same upload again after a crash adds no second row, and
-- each row points to the treatment Intake.Complete made of its file.
-- +goose Up
ALTER TABLE recording_files ADD COLUMN treatment_id INTEGER REFERENCES treatments(id) ON DELETE SET NULL;
CREATE UNIQUE INDEX recording_files_file_idx ON recording_files(file);
CREATE INDEX recording_files_date_added_idx ON recording_files(date_added);
CREATE INDEX recording_files_treatment_idx ON recording_files(treatment_id);

-- +goose Down
DROP INDEX recording_files_treatment_idx;
DROP INDEX recording_files_date_added_idx;
DROP INDEX recording_files_file_idx;
ALTER TABLE recording_files DROP COLUMN treatment_id;
