-- The mail outbox: every email is stored rendered, then delivered with
-- retries, so nothing is lost while the SMTP server is down.
-- +goose Up
CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    kind         TEXT     NOT NULL,
    treatment_id INTEGER  REFERENCES treatments(id) ON DELETE SET NULL,
    from_addr    TEXT     NOT NULL DEFAULT '',
    to_addrs     TEXT     NOT NULL DEFAULT '[]', -- JSON array
    subject      TEXT     NOT NULL DEFAULT '',
    text_body    TEXT     NOT NULL DEFAULT '',
    html_body    TEXT     NOT NULL DEFAULT '',
    state        TEXT     NOT NULL DEFAULT 'queued',
    attempts     INTEGER  NOT NULL DEFAULT 0,
    last_error   TEXT     NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    sent_at      DATETIME
);
CREATE INDEX messages_state_idx ON messages(state, id);

-- +goose Down
DROP TABLE messages;
