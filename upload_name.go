package lectern

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"time"
)

// ErrNothingToResume refuses a resumed upload (FTP's REST n then STOR,
// an SFTP open without truncation) under the name of an earlier deposit
// when no upload of that name was broken off.
var ErrNothingToResume = errors.New("this name is an earlier deposit's and no upload of it was broken off: upload from the start")

// UploadName is the file an upload to rel, a path in a recorder's folder
// opened as root (abs gives a path's absolute name), writes: rel itself,
// unless an earlier deposit used the name (a treatment has it: a recorder
// that names every file record.mp4); then the upload of that name that is
// held without a treatment (broken off: it is resumed, or restarted, in
// the same file), else for a new upload the first free name by
// CandidateName (record-2.mp4), so that the earlier deposit is never
// overwritten and the new one is never taken for it. A resume with no
// held upload of the name is ErrNothingToResume. The FTP and SFTP
// servers both name uploads so.
//
// fresh reports a new name chosen here: the caller creates it
// exclusively, so that two sessions never write the same one.
func (in *Intake) UploadName(ctx context.Context, sightings SightingService, root *os.Root, rel string,
	abs func(string) string, resume bool) (name string, fresh bool, err error) {
	if taken, err := in.Taken(ctx, abs(rel)); err != nil {
		return "", false, fmt.Errorf("find earlier deposit %s: %w", rel, err)
	} else if !taken {
		return rel, false, nil
	}
	dir, base := path.Split(rel)
	for i := 1; i < MaxCandidates; i++ {
		c := path.Join(dir, CandidateName(base, i))
		a := abs(c)
		if taken, err := in.Taken(ctx, a); err != nil {
			return "", false, fmt.Errorf("find earlier deposit %s: %w", c, err)
		} else if taken {
			continue
		}
		if sg, err := sightings.FindSighting(ctx, a); err == nil && sg.Held {
			return c, false, nil
		}
		if _, err := root.Lstat(c); err == nil {
			continue
		}
		if resume {
			return "", false, ErrNothingToResume
		}
		return c, true, nil
	}
	return "", false, fmt.Errorf("no free name for %s after %d tries", rel, MaxCandidates)
}

// ReleaseHold ends a server's claim on a file it held while receiving
// it: its sighting is kept, unheld, for the watcher to complete (keep),
// or forgotten. The FTP and SFTP servers both release so, within ten
// seconds of their stop if need be.
func ReleaseHold(ctx context.Context, sightings SightingService, path string, keep bool) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if keep {
		return sightings.HoldFile(ctx, path, false, time.Now())
	}
	return sightings.ForgetFile(ctx, path)
}
