-- The embedded SFTP server (issue 17): a recorder logs in with its FTP
-- login and password, or with one of these OpenSSH public keys
-- (authorized_keys lines, checked by lectern.CheckAuthorizedKeys on save).
-- +goose Up
ALTER TABLE recorders ADD COLUMN sftp_authorized_keys TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE recorders DROP COLUMN sftp_authorized_keys;
