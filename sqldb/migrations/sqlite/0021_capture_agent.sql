-- Opencast capture agents (issue 15). A recorder's agent logs in with
-- its FTP login and password, by HTTP Basic or Digest: Digest needs the
-- secrets HA1 (password.Digest), kept from the moment the password is
-- set, since bcrypt cannot give them back. agent_name overrides the
-- agent name that speaks for the recorder (by default its login).
-- capture_agents holds what each agent last reported.
-- +goose Up
ALTER TABLE recorders ADD COLUMN credentials_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE recorders ADD COLUMN agent_name TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX recorders_agent_name_idx ON recorders(agent_name) WHERE agent_name <> '';

CREATE TABLE capture_agents (
    name          TEXT     PRIMARY KEY,
    recorder_id   INTEGER  NOT NULL REFERENCES recorders(id) ON DELETE CASCADE,
    state         TEXT     NOT NULL DEFAULT 'unknown',
    address       TEXT     NOT NULL DEFAULT '',
    configuration TEXT     NOT NULL DEFAULT '{}', -- JSON object of strings
    last_contact  DATETIME NOT NULL,
    state_at      DATETIME
);
CREATE INDEX capture_agents_recorder_idx ON capture_agents(recorder_id);

-- +goose Down
DROP TABLE capture_agents;
DROP INDEX recorders_agent_name_idx;
ALTER TABLE recorders DROP COLUMN agent_name;
ALTER TABLE recorders DROP COLUMN credentials_digest;
