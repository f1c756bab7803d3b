package web

import (
	"context"
	"fmt"
	"math"
	"time"

	"lectern"
	"lectern/locale"
)

// videoRow is a video as the lists show it (dashboard cards, admin list),
// translated.
type videoRow struct {
	V        *lectern.Video
	URL      string // its page
	Thumb    string // the thumbnail's URL; "" for none (yet)
	Audio    bool   // a sound: no picture
	Duration string // h:mm:ss; "" while unknown
	videoState
	Owner string // the owner's name; "" when gone
	Added when
}

// videoState is a video's encoding state as a badge and a progress bar.
type videoState struct {
	State      string // translated
	StateClass string // badge colour: wait, run, done, bad
	Progress   int    // 0 to 100
	// Active videos (pending or running) show a progress bar that
	// StatusURL refreshes.
	Active    bool
	StatusURL string
	// ProgressText is the percentage the reader's way: "42%", "42 %".
	ProgressText string
}

// encodingClasses colour the encoding badges.
var encodingClasses = map[string]string{
	lectern.EncodingPending: "wait", lectern.EncodingRunning: "run",
	lectern.EncodingDone: "done", lectern.EncodingError: "bad",
}

// encodingLabel translates an encoding state; an unknown one is shown as
// is.
func encodingLabel(p *locale.Printer, state string) string { return label(p, "video.state.", state) }

// newVideoState describes v's encoding for p.
func newVideoState(p *locale.Printer, v *lectern.Video) videoState {
	pct := int(math.Floor(min(max(v.EncodingProgress, 0), 100)))
	st := videoState{
		State: encodingLabel(p, v.EncodingState), StateClass: encodingClasses[v.EncodingState], Progress: pct,
		Active:       v.EncodingState == lectern.EncodingPending || v.EncodingState == lectern.EncodingRunning,
		StatusURL:    "/video/" + id64(v.ID) + "/status.json",
		ProgressText: p.T("video.progress", pct),
	}
	if st.StateClass == "" {
		st.StateClass = "off"
	}
	if st.Active && v.Playable() {
		// A rendition is ready (a browser-ready source's remux, or the
		// lowest rung) while the others are encoded.
		st.State, st.StateClass = p.T("video.state.playable"), "done"
	}
	return st
}

// isAudio reports whether v is a sound: an M4A and no moving picture.
func isAudio(v *lectern.Video) bool {
	audio := false
	for _, r := range v.Renditions {
		switch r.Kind {
		case lectern.RenditionM4A:
			audio = true
		case lectern.RenditionMP4:
			return false
		}
	}
	return audio
}

// hms writes a duration the way Pod lists it, h:mm:ss ("0:02:05");
// "" for an unknown one.
func hms(seconds float64) string {
	if seconds <= 0 {
		return ""
	}
	d := time.Duration(seconds * float64(time.Second)).Round(time.Second)
	return fmt.Sprintf("%d:%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second))
}

// videoRows translates videos for p, naming their owners with names.
func (s *Server) videoRows(ctx context.Context, p *locale.Printer, names *nameCache, list []*lectern.Video) ([]videoRow, error) {
	rows := make([]videoRow, 0, len(list))
	for _, v := range list {
		row := videoRow{V: v, URL: videoURL(v), Audio: isAudio(v), Duration: hms(v.Duration), videoState: newVideoState(p, v),
			Added: moment(p, v.DateAdded)}
		if v.Thumbnail != "" {
			row.Thumb = mediaURL(v, v.Thumbnail)
		}
		if names != nil {
			name, err := names.name(ctx, v.OwnerID)
			if err != nil {
				return nil, err
			}
			row.Owner = name
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// fullNames names users by their full name.
func (s *Server) fullNames() *nameCache {
	return &nameCache{names: map[int64]string{}, find: func(ctx context.Context, id int64) (string, error) {
		u, err := s.deps.Users.FindUserByID(ctx, id)
		if err != nil {
			return "", err
		}
		return u.FullName(), nil
	}}
}
