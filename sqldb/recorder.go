package sqldb

import (
	"context"
	"database/sql"
	"fmt"

	"lectern"
)

// RecorderService implements lectern.RecorderService.
type RecorderService struct{ db *DB }

// NewRecorderService returns the recorders of db.
func NewRecorderService(db *DB) *RecorderService { return &RecorderService{db: db} }

var _ lectern.RecorderService = (*RecorderService)(nil)

const recorderColumns = `id, name, description, address_ip, salt, credentials_login, credentials_password_hash, sftp_authorized_keys,
	recording_type, user_id, directory, publication_auto, type_id, is_draft, is_restricted, password_hash,
	cursus, main_lang, transcript, tags, licence, allow_downloading, is_360, disable_comment, created_at, updated_at,
	credentials_digest, agent_name`

func scanRecorder(row rowScanner) (*lectern.Recorder, error) {
	var r lectern.Recorder
	var user sql.NullInt64
	err := row.Scan(&r.ID, &r.Name, &r.Description, &r.AddressIP, &r.Salt, &r.CredentialsLogin, &r.CredentialsPasswordHash, &r.SFTPAuthorizedKeys,
		&r.RecordingType, &user, &r.Directory, &r.PublicationAuto, &r.TypeID, &r.IsDraft, &r.IsRestricted, &r.PasswordHash,
		&r.Cursus, &r.MainLang, &r.Transcript, &r.Tags, &r.Licence, &r.AllowDownloading, &r.Is360, &r.DisableComment, &r.CreatedAt, &r.UpdatedAt,
		&r.CredentialsDigest, &r.AgentName)
	if err != nil {
		return nil, err
	}
	if user.Valid {
		r.UserID = &user.Int64
	}
	return &r, nil
}

// FindRecorderByID implements lectern.RecorderService.
func (s *RecorderService) FindRecorderByID(ctx context.Context, id int64) (*lectern.Recorder, error) {
	return lectern.FindRecorder(ctx, s, lectern.RecorderFilter{ID: &id})
}

// FindRecorders implements lectern.RecorderService.
func (s *RecorderService) FindRecorders(ctx context.Context, f lectern.RecorderFilter) ([]*lectern.Recorder, int, error) {
	w := &where{}
	for _, c := range []struct {
		col string
		v   *string
	}{{"name", f.Name}, {"address_ip", f.AddressIP}, {"directory", f.Directory}, {"credentials_login", f.CredentialsLogin}, {"agent_name", f.AgentName}} {
		if c.v != nil {
			w.add(c.col+" = ?", *c.v)
		}
	}
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.Member != nil {
		w.add("(user_id = ? OR id IN (SELECT recorder_id FROM recorder_additional_users WHERE user_id = ?))", *f.Member, *f.Member)
	}
	w.search(f.Search, "name", "address_ip", "directory", "description")
	recorders, total, err := findPage(ctx, s.db.db, "recorders", recorderColumns, w, "name", f.Page, scanRecorder)
	if err != nil {
		return nil, 0, err
	}
	for _, r := range recorders {
		if r.AdditionalUsers, err = recorderAdditionalUser.get(ctx, s.db.db, r.ID); err != nil {
			return nil, 0, err
		}
		if r.RestrictAccessToGroups, err = recorderGroups.get(ctx, s.db.db, r.ID); err != nil {
			return nil, 0, err
		}
	}
	return recorders, total, nil
}

// CreateRecorder implements lectern.RecorderService.
func (s *RecorderService) CreateRecorder(ctx context.Context, r *lectern.Recorder) error {
	if err := r.Validate(); err != nil {
		return err
	}
	now := s.db.Now()
	r.CreatedAt, r.UpdatedAt = now, now
	return s.db.withTx(ctx, func(tx *conn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO recorders (name, description, address_ip, salt, credentials_login, credentials_password_hash,
			sftp_authorized_keys, recording_type, user_id, directory, publication_auto, type_id, is_draft, is_restricted, password_hash,
			cursus, main_lang, transcript, tags, licence, allow_downloading, is_360, disable_comment, created_at, updated_at,
			credentials_digest, agent_name)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			r.Name, r.Description, r.AddressIP, r.Salt, r.CredentialsLogin, r.CredentialsPasswordHash,
			r.SFTPAuthorizedKeys, r.RecordingType, r.UserID, r.Directory, r.PublicationAuto, r.TypeID, r.IsDraft, r.IsRestricted, r.PasswordHash,
			r.Cursus, r.MainLang, r.Transcript, r.Tags, r.Licence, r.AllowDownloading, r.Is360, r.DisableComment, now, now,
			r.CredentialsDigest, r.AgentName).Scan(&r.ID)
		if err != nil {
			return recorderError(ctx, s.db.db, "create recorder", r, err)
		}
		return s.setLinks(ctx, tx, "create recorder", r)
	})
}

// UpdateRecorder implements lectern.RecorderService.
func (s *RecorderService) UpdateRecorder(ctx context.Context, r *lectern.Recorder) error {
	if err := r.Validate(); err != nil {
		return err
	}
	r.UpdatedAt = s.db.Now()
	return s.db.withTx(ctx, func(tx *conn) error {
		res, err := tx.ExecContext(ctx, `UPDATE recorders SET name = ?, description = ?, address_ip = ?, salt = ?, credentials_login = ?,
			credentials_password_hash = ?, sftp_authorized_keys = ?, recording_type = ?, user_id = ?, directory = ?, publication_auto = ?, type_id = ?,
			is_draft = ?, is_restricted = ?, password_hash = ?, cursus = ?, main_lang = ?, transcript = ?, tags = ?, licence = ?,
			allow_downloading = ?, is_360 = ?, disable_comment = ?, updated_at = ?, credentials_digest = ?, agent_name = ?
			WHERE id = ?`,
			r.Name, r.Description, r.AddressIP, r.Salt, r.CredentialsLogin, r.CredentialsPasswordHash,
			r.SFTPAuthorizedKeys, r.RecordingType, r.UserID, r.Directory, r.PublicationAuto, r.TypeID, r.IsDraft, r.IsRestricted, r.PasswordHash,
			r.Cursus, r.MainLang, r.Transcript, r.Tags, r.Licence, r.AllowDownloading, r.Is360, r.DisableComment, r.UpdatedAt, r.CredentialsDigest, r.AgentName, r.ID)
		if err != nil {
			return recorderError(ctx, s.db.db, "update recorder", r, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return lectern.Errorf(lectern.ENOTFOUND, "Recorder not found.")
		}
		return s.setLinks(ctx, tx, "update recorder", r)
	})
}

func (s *RecorderService) setLinks(ctx context.Context, tx *conn, op string, r *lectern.Recorder) error {
	if err := recorderAdditionalUser.set(ctx, tx, r.ID, r.AdditionalUsers); err != nil {
		if isForeignKey(err) {
			return fieldError(op, lectern.EINVALID, "additional_users", "Select valid users.")
		}
		return err
	}
	if err := recorderGroups.set(ctx, tx, r.ID, r.RestrictAccessToGroups); err != nil {
		if isForeignKey(err) {
			return fieldError(op, lectern.EINVALID, "restrict_access_to_groups", "Select valid groups.")
		}
		return err
	}
	return nil
}

// DeleteRecorder implements lectern.RecorderService.
func (s *RecorderService) DeleteRecorder(ctx context.Context, id int64) error {
	return s.db.execOne(ctx, "delete recorder", lectern.Errorf(lectern.ENOTFOUND, "Recorder not found."), nil,
		"DELETE FROM recorders WHERE id = ?", id)
}

func fieldError(op, code, field, msg string) error {
	return &lectern.Error{Op: op, Code: code, Message: msg, Fields: map[string]string{field: msg}}
}

// recorderError turns constraint failures into field errors a form can show.
// It reads through q, the pool: on PostgreSQL a transaction that had a
// statement fail runs no other.
func recorderError(ctx context.Context, q *conn, op string, r *lectern.Recorder, err error) error {
	switch {
	case isUnique(err, "recorders.name"):
		return fieldError(op, lectern.ECONFLICT, "name", "A recorder with this name already exists.")
	case isUnique(err, "recorders.address_ip"):
		return fieldError(op, lectern.ECONFLICT, "address_ip", "A recorder with this IP address already exists.")
	case isUnique(err, "recorders.directory"):
		return fieldError(op, lectern.ECONFLICT, "directory", "A recorder with this directory already exists.")
	case isUnique(err, "recorders.credentials_login"):
		return fieldError(op, lectern.ECONFLICT, "credentials_login", "A recorder with this login already exists.")
	case isUnique(err, "recorders.agent_name"):
		return fieldError(op, lectern.ECONFLICT, "agent_name", "A recorder with this capture agent name already exists.")
	case isForeignKey(err):
		// Say which reference is wrong.
		var n int
		if q.QueryRowContext(ctx, "SELECT COUNT(*) FROM video_types WHERE id = ?", r.TypeID).Scan(&n) == nil && n == 0 {
			return fieldError(op, lectern.EINVALID, "type", "Select a valid video type.")
		}
		return fieldError(op, lectern.EINVALID, "user", "Select a valid user.")
	}
	return fmt.Errorf("%s %q: %w", op, r.Name, err)
}
