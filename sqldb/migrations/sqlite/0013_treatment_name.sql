-- The names a deposit's file had before it was renamed or moved into a
-- sub-folder (MoveTreatment records the old one). A link made while the
-- file had one of them (the manager's mail: Pod's links carry the path,
-- ?mediapath=…&recorder=…) still finds the deposit after any number of
-- renames. Rows go with their treatment; ids are never reused, so a name
-- never leads to another deposit's row.
-- +goose Up
CREATE TABLE treatment_names (
    treatment_id INTEGER NOT NULL REFERENCES treatments(id) ON DELETE CASCADE,
    file         TEXT    NOT NULL, -- absolute path, as treatments.file
    PRIMARY KEY (file, treatment_id)
);
CREATE INDEX treatment_names_treatment_idx ON treatment_names(treatment_id);

-- +goose Down
DROP TABLE treatment_names;
