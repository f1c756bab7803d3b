-- The dashboard counts without reading whole tables. Its "Encoding now"
-- tile counts the videos in one encoding state (and the admin list of
-- videos filtered by state shows the newest first); its "Waiting for you"
-- finds the recorders a user helps with by user (the primary key of
-- recorder_additional_users starts with the recorder).
-- +goose Up
CREATE INDEX videos_encoding_state_idx ON videos(encoding_state, date_added);
CREATE INDEX recorder_additional_users_user_idx ON recorder_additional_users(user_id);

-- +goose Down
DROP INDEX recorder_additional_users_user_idx;
DROP INDEX videos_encoding_state_idx;
