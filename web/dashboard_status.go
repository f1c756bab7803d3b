package web

import (
	"context"
	"strconv"

	"lectern"
	"lectern/locale"
)

// statusTile is one of the dashboard's status tiles: a count of what
// waits or went wrong, linking to the list filtered on it.
type statusTile struct {
	Key   string // stable name, for tests and styles: claim, encoding, failed_jobs, unsent_mail
	Title string
	Count string
	Text  string // what the count is, or why it stays (no SMTP server)
	URL   string
	// Alert marks a count that asks for someone's action (failed jobs,
	// mail that cannot leave).
	Alert bool
}

// outboxUnsent is the outbox list's filter value for the messages nobody
// has received: queued or failed (lectern.MessageUnsentStates).
const outboxUnsent = "unsent"

// statusTiles counts, each with one COUNT on an index, what the lists u
// may open hold: for staff the deposits waiting to be claimed (when the
// claim list is on); for superusers also the videos encoding now, the
// failed jobs and the mail not sent, with why it is not when no SMTP
// server is configured.
func (s *Server) statusTiles(ctx context.Context, p *locale.Printer, u *lectern.User) ([]statusTile, error) {
	var tiles []statusTile
	if s.claimListOn() {
		st := lectern.TreatmentToClaim
		n, err := s.deps.Treatments.CountTreatments(ctx, lectern.TreatmentFilter{State: &st})
		if err != nil {
			return nil, err
		}
		tiles = append(tiles, statusTile{Key: "claim", Title: p.T("dashboard.status.claim.title"), Count: strconv.Itoa(n),
			Text: p.Plural("dashboard.status.claim.text", n), URL: "/record/claim_record/"})
	}
	if !u.IsSuperuser {
		return tiles, nil
	}
	if s.deps.Videos != nil {
		st := lectern.EncodingRunning
		n, err := s.deps.Videos.CountVideos(ctx, lectern.VideoFilter{State: &st})
		if err != nil {
			return nil, err
		}
		tiles = append(tiles, statusTile{Key: "encoding", Title: p.T("dashboard.status.encoding.title"), Count: strconv.Itoa(n),
			Text: p.Plural("dashboard.status.encoding.text", n), URL: "/admin/videos/?state=" + st})
	}
	if s.deps.Jobs != nil {
		st := lectern.JobDiscarded
		n, err := s.deps.Jobs.CountJobs(ctx, lectern.JobFilter{State: &st})
		if err != nil {
			return nil, err
		}
		tiles = append(tiles, statusTile{Key: "failed_jobs", Title: p.T("dashboard.status.failed_jobs.title"), Count: strconv.Itoa(n),
			Text: p.Plural("dashboard.status.failed_jobs.text", n), URL: "/admin/jobs/?state=" + st, Alert: n > 0})
	}
	if s.deps.Messages != nil {
		n, err := s.deps.Messages.CountMessages(ctx, lectern.MessageFilter{States: lectern.MessageUnsentStates})
		if err != nil {
			return nil, err
		}
		tile := statusTile{Key: "unsent_mail", Title: p.T("dashboard.status.unsent_mail.title"), Count: strconv.Itoa(n),
			Text: p.Plural("dashboard.status.unsent_mail.text", n), URL: "/admin/outbox/?state=" + outboxUnsent, Alert: n > 0}
		if !s.cfg.SMTPConfigured {
			tile.Text, tile.Alert = p.T("dashboard.status.unsent_mail.no_smtp"), true
		}
		tiles = append(tiles, tile)
	}
	return tiles, nil
}
