package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"lectern"
)

// VideoService implements lectern.VideoService.
type VideoService struct {
	db   *DB
	jobs lectern.Enqueuer
}

// NewVideoService returns the videos of db; a video's encode is enqueued
// through jobs in the transaction that stores its source (nil: none).
func NewVideoService(db *DB, jobs lectern.Enqueuer) *VideoService {
	return &VideoService{db: db, jobs: jobs}
}

var _ lectern.VideoService = (*VideoService)(nil)

var (
	videoAdditionalOwners = link{"video_additional_owners", "video_id", "user_id"}
	videoGroups           = link{"video_groups", "video_id", "group_id"}
)

const videoColumns = `id, title, slug, description, owner_id, type_id, recording_id, is_draft, is_restricted, password_hash,
	cursus, main_lang, transcript, tags, licence, allow_downloading, is_360, disable_comment, source_file, duration,
	encoding_state, encoding_progress, encoding_log, thumbnail, date_evt, date_added, date_updated`

func scanVideo(row rowScanner) (*lectern.Video, error) {
	var v lectern.Video
	var rec sql.NullInt64
	if err := row.Scan(&v.ID, &v.Title, &v.Slug, &v.Description, &v.OwnerID, &v.TypeID, &rec, &v.IsDraft, &v.IsRestricted,
		&v.PasswordHash, &v.Cursus, &v.MainLang, &v.Transcript, &v.Tags, &v.Licence, &v.AllowDownloading, &v.Is360,
		&v.DisableComment, &v.SourceFile, &v.Duration, &v.EncodingState, &v.EncodingProgress, &v.EncodingLog, &v.Thumbnail,
		&v.DateEvt, &v.DateAdded, &v.DateUpdated); err != nil {
		return nil, err
	}
	if rec.Valid {
		v.RecordingID = &rec.Int64
	}
	return &v, nil
}

// fill reads a video's links and renditions.
func (s *VideoService) fill(ctx context.Context, v *lectern.Video) error {
	var err error
	if v.AdditionalOwners, err = videoAdditionalOwners.get(ctx, s.db.db, v.ID); err != nil {
		return err
	}
	if v.Groups, err = videoGroups.get(ctx, s.db.db, v.ID); err != nil {
		return err
	}
	rows, err := s.db.db.QueryContext(ctx, `SELECT name, kind, path, width, height, video_bitrate, audio_bitrate, size, state
		FROM renditions WHERE video_id = ? ORDER BY kind, height, name`, v.ID)
	if err != nil {
		return fmt.Errorf("renditions of video %d: %w", v.ID, err)
	}
	defer rows.Close()
	v.Renditions = []lectern.Rendition{}
	for rows.Next() {
		var r lectern.Rendition
		if err := rows.Scan(&r.Name, &r.Kind, &r.Path, &r.Width, &r.Height, &r.VideoBitrate, &r.AudioBitrate, &r.Size, &r.State); err != nil {
			return err
		}
		v.Renditions = append(v.Renditions, r)
	}
	return rows.Err()
}

// CreateVideo implements lectern.VideoService.
func (s *VideoService) CreateVideo(ctx context.Context, v *lectern.Video) error {
	now := s.db.Now()
	v.DateAdded, v.DateUpdated = now, now
	if v.EncodingState == "" {
		v.EncodingState = lectern.EncodingPending
	}
	err := s.db.withTx(ctx, func(tx *conn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO videos (title, slug, description, owner_id, type_id, recording_id, is_draft,
			is_restricted, password_hash, cursus, main_lang, transcript, tags, licence, allow_downloading, is_360, disable_comment,
			source_file, duration, encoding_state, encoding_progress, encoding_log, thumbnail, date_evt, date_added, date_updated)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			v.Title, v.Slug, v.Description, v.OwnerID, v.TypeID, v.RecordingID, v.IsDraft, v.IsRestricted, v.PasswordHash,
			v.Cursus, v.MainLang, v.Transcript, v.Tags, v.Licence, v.AllowDownloading, v.Is360, v.DisableComment,
			v.SourceFile, v.Duration, v.EncodingState, v.EncodingProgress, v.EncodingLog, v.Thumbnail, v.DateEvt, now, now).Scan(&v.ID)
		switch {
		case isUnique(err, "videos.recording_id"):
			return lectern.Errorf(lectern.ECONFLICT, "This recording already has a video.")
		case isForeignKey(err):
			return fieldError("create video", lectern.EINVALID, "type", "Select a valid video type.")
		case err != nil:
			return fmt.Errorf("create video %q: %w", v.Title, err)
		}
		if err := videoAdditionalOwners.set(ctx, tx, v.ID, v.AdditionalOwners); err != nil {
			return err
		}
		return videoGroups.set(ctx, tx, v.ID, v.Groups)
	})
	if lectern.ErrorCode(err) == lectern.ECONFLICT && v.RecordingID != nil {
		if existing, _, ferr := s.FindVideos(ctx, lectern.VideoFilter{RecordingID: v.RecordingID}); ferr == nil && len(existing) == 1 {
			*v = *existing[0]
		}
	}
	return err
}

// UpdateVideo implements lectern.VideoService.
func (s *VideoService) UpdateVideo(ctx context.Context, v *lectern.Video) error {
	if err := v.Validate(); err != nil {
		return err
	}
	v.DateUpdated = s.db.Now()
	return s.db.withTx(ctx, func(tx *conn) error {
		res, err := tx.ExecContext(ctx, `UPDATE videos SET title = ?, slug = ?, description = ?, date_evt = ?, type_id = ?,
			is_draft = ?, is_restricted = ?, password_hash = ?, cursus = ?, main_lang = ?, tags = ?, licence = ?,
			allow_downloading = ?, is_360 = ?, disable_comment = ?, date_updated = ? WHERE id = ?`,
			v.Title, v.Slug, v.Description, v.DateEvt, v.TypeID, v.IsDraft, v.IsRestricted, v.PasswordHash, v.Cursus, v.MainLang,
			v.Tags, v.Licence, v.AllowDownloading, v.Is360, v.DisableComment, v.DateUpdated, v.ID)
		switch {
		case isForeignKey(err):
			return fieldError("update video", lectern.EINVALID, "type", "Select a valid video type.")
		case err != nil:
			return fmt.Errorf("update video %d: %w", v.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errVideoNotFound
		}
		if err := videoAdditionalOwners.set(ctx, tx, v.ID, v.AdditionalOwners); err != nil {
			if isForeignKey(err) {
				return fieldError("update video", lectern.EINVALID, "additional_owners", "Select valid users.")
			}
			return err
		}
		if err := videoGroups.set(ctx, tx, v.ID, v.Groups); err != nil {
			if isForeignKey(err) {
				return fieldError("update video", lectern.EINVALID, "restrict_access_to_groups", "Select valid groups.")
			}
			return err
		}
		return nil
	})
}

// FindVideoByID implements lectern.VideoService.
func (s *VideoService) FindVideoByID(ctx context.Context, id int64) (*lectern.Video, error) {
	v, err := scanVideo(s.db.db.QueryRowContext(ctx, "SELECT "+videoColumns+" FROM videos WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lectern.Errorf(lectern.ENOTFOUND, "Video not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find video %d: %w", id, err)
	}
	return v, s.fill(ctx, v)
}

// FindVideos implements lectern.VideoService.
func (s *VideoService) FindVideos(ctx context.Context, f lectern.VideoFilter) ([]*lectern.Video, int, error) {
	w := videoWhere(f)
	videos, total, err := findPage(ctx, s.db.db, "videos", videoColumns, w, "date_added DESC, id DESC", f.Page, scanVideo)
	if err != nil {
		return nil, 0, err
	}
	for _, v := range videos {
		if err := s.fill(ctx, v); err != nil {
			return nil, 0, err
		}
	}
	return videos, total, nil
}

// CountVideos implements lectern.VideoService.
func (s *VideoService) CountVideos(ctx context.Context, f lectern.VideoFilter) (int, error) {
	return countRows(ctx, s.db.db, "videos", videoWhere(f))
}

// videoWhere is the WHERE clause of f.
func videoWhere(f lectern.VideoFilter) *where {
	w := &where{}
	if f.ID != nil {
		w.add("id = ?", *f.ID)
	}
	if f.OwnerID != nil {
		w.add("(owner_id = ? OR id IN (SELECT video_id FROM video_additional_owners WHERE user_id = ?))", *f.OwnerID, *f.OwnerID)
	}
	if f.RecordingID != nil {
		w.add("recording_id = ?", *f.RecordingID)
	}
	if f.State != nil {
		w.add("encoding_state = ?", *f.State)
	}
	if f.Draft != nil {
		w.add("is_draft = ?", *f.Draft)
	}
	if f.PublishedByID != nil {
		w.add(`recording_id IN (SELECT id FROM recordings WHERE published_by_id = ?) AND owner_id <> ?
			AND id NOT IN (SELECT video_id FROM video_additional_owners WHERE user_id = ?)`, *f.PublishedByID, *f.PublishedByID, *f.PublishedByID)
	}
	return w
}

var errVideoNotFound = lectern.Errorf(lectern.ENOTFOUND, "Video not found.")

// SetSource implements lectern.VideoService.
func (s *VideoService) SetSource(ctx context.Context, id int64, path string) error {
	return s.db.withTx(ctx, func(tx *conn) error {
		if err := execOneTx(ctx, tx, "set video source", errVideoNotFound, nil,
			"UPDATE videos SET source_file = ?, date_updated = ? WHERE id = ?", path, s.db.Now(), id); err != nil {
			return err
		}
		return enqueue(ctx, s.jobs, tx, lectern.EncodeVideoArgs{VideoID: id})
	})
}

// EncodeAgain implements lectern.VideoService.
func (s *VideoService) EncodeAgain(ctx context.Context, id int64) error {
	return s.db.withTx(ctx, func(tx *conn) error {
		if err := s.markPending(ctx, tx, id); err != nil {
			return err
		}
		return enqueue(ctx, s.jobs, tx, lectern.EncodeVideoArgs{VideoID: id})
	})
}

// RetryEncoding implements lectern.VideoService.
func (s *VideoService) RetryEncoding(ctx context.Context, id, jobID int64) error {
	return s.db.withTx(ctx, func(tx *conn) error {
		if err := s.markPending(ctx, tx, id); err != nil {
			return err
		}
		return retry(ctx, s.jobs, tx, jobID)
	})
}

// markPending marks video id's encoding pending, progress 0, log cleared.
func (s *VideoService) markPending(ctx context.Context, tx *conn, id int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE videos SET encoding_state = ?, encoding_progress = 0, encoding_log = '',
		date_updated = ? WHERE id = ?`, lectern.EncodingPending, s.db.Now(), id)
	if err != nil {
		return fmt.Errorf("mark video %d pending: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errVideoNotFound
	}
	return nil
}

// SetEncoding implements lectern.VideoService.
func (s *VideoService) SetEncoding(ctx context.Context, id int64, state string, progress float64, log string) error {
	return s.db.execOne(ctx, "set encoding", errVideoNotFound, nil,
		"UPDATE videos SET encoding_state = ?, encoding_progress = ?, encoding_log = ?, date_updated = ? WHERE id = ?",
		state, progress, log, s.db.Now(), id)
}

// SetEncoded implements lectern.VideoService.
func (s *VideoService) SetEncoded(ctx context.Context, id int64, res *lectern.EncodeResult) error {
	return s.db.withTx(ctx, func(tx *conn) error {
		r, err := tx.ExecContext(ctx, `UPDATE videos SET encoding_state = ?, encoding_progress = 100, encoding_log = '',
			duration = ?, thumbnail = ?, date_updated = ? WHERE id = ?`,
			lectern.EncodingDone, res.Info.Duration, res.Thumbnail, s.db.Now(), id)
		if err != nil {
			return fmt.Errorf("store encoding of video %d: %w", id, err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return errVideoNotFound
		}
		return putRenditions(ctx, tx, id, res.Renditions)
	})
}

// SetRenditions implements lectern.VideoService.
func (s *VideoService) SetRenditions(ctx context.Context, id int64, res *lectern.EncodeResult) error {
	return s.db.withTx(ctx, func(tx *conn) error {
		r, err := tx.ExecContext(ctx, "UPDATE videos SET duration = ?, thumbnail = ?, date_updated = ? WHERE id = ?",
			res.Info.Duration, res.Thumbnail, s.db.Now(), id)
		if err != nil {
			return fmt.Errorf("store renditions of video %d: %w", id, err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return errVideoNotFound
		}
		return putRenditions(ctx, tx, id, res.Renditions)
	})
}

// putRenditions replaces video id's renditions.
func putRenditions(ctx context.Context, tx *conn, id int64, rds []lectern.Rendition) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM renditions WHERE video_id = ?", id); err != nil {
		return err
	}
	for _, rd := range rds {
		state := rd.State
		if state == "" {
			state = lectern.RenditionReady
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO renditions (video_id, name, kind, path, width, height, video_bitrate,
			audio_bitrate, size, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, rd.Name, rd.Kind, rd.Path, rd.Width, rd.Height, rd.VideoBitrate, rd.AudioBitrate, rd.Size, state); err != nil {
			return fmt.Errorf("store rendition %s of video %d: %w", rd.Name, id, err)
		}
	}
	return nil
}

// SetThumbnail implements lectern.VideoService.
func (s *VideoService) SetThumbnail(ctx context.Context, id int64, path string) error {
	return s.db.execOne(ctx, "set video thumbnail", errVideoNotFound, nil,
		"UPDATE videos SET thumbnail = ?, date_updated = ? WHERE id = ?", path, s.db.Now(), id)
}

// DeleteVideo implements lectern.VideoService.
func (s *VideoService) DeleteVideo(ctx context.Context, id int64) error {
	return s.db.execOne(ctx, "delete video", errVideoNotFound, nil, "DELETE FROM videos WHERE id = ?", id)
}
