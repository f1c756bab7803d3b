-- Who deleted a deposit, so that the mail's link, opened again, says
-- what became of it (who published one is recordings.published_by_id,
-- 0017). treatment_deletions keeps, for each
-- deleted deposit, the names its file had (the mail's link names one of
-- them) with who deleted it and when: the treatment's row itself is
-- deleted, so that a new deposit may take the name again.
-- +goose Up
CREATE TABLE treatment_deletions (
    id          INTEGER  PRIMARY KEY AUTOINCREMENT,
    file        TEXT     NOT NULL, -- absolute path, as treatments.file
    recorder_id INTEGER  REFERENCES recorders(id) ON DELETE CASCADE,
    deleted_by  INTEGER  REFERENCES users(id) ON DELETE SET NULL,
    deleted_at  DATETIME NOT NULL
);
CREATE INDEX treatment_deletions_file_idx ON treatment_deletions(file);

-- +goose Down
DROP TABLE treatment_deletions;
