package web

import (
	"context"
	"fmt"
	"time"

	"lectern"
	"lectern/locale"
)

// healthWindow is how far back a recorder's health looks: its deposits
// and failures are counted over it, its missed recordings listed.
const healthWindow = 7 * 24 * time.Hour

// healthTones are the badge (and dot) class of each verdict: grey for a
// recorder never heard of, red when something refuses it, amber when it
// is quiet, green when it sends.
var healthTones = map[string]string{
	lectern.HealthNeverConnected: "off",
	lectern.HealthLoginFailing:   "bad",
	lectern.HealthFilesRefused:   "bad",
	lectern.HealthSilent:         "wait",
	lectern.HealthNothingSent:    "wait",
	lectern.HealthFine:           "done",
}

// healthView is a recorder's health, as the recorder's page and the admin
// list show it: a verdict in a few words, what to do, then the facts.
type healthView struct {
	Verdict     string // a lectern.Health* constant, for tests and CSS
	Tone        string // badge class: done, wait, bad, off
	Headline    string // the verdict in a few words
	Advice      string // why, and what to do, in a sentence or two
	LastContact when

	Login       when // last successful login
	LoginAddr   string
	LoginVia    string
	Failure     when // last refused login
	FailureAddr string
	// FailureLogin is the login tried (lectern.CleanLogin'd: escapes
	// for control characters, bounded).
	FailureLogin  string
	FailureReason string
	Failures      int // since the last success

	LastDeposit       when
	LastDepositState  string
	LastDepositReason string
	Deposits          int // within healthWindow
	Failed            int
	Refused           int
	Unrouted          int
	ProcessingFailed  int
	// Counts is "12 deposits, 2 failed" for the admin list.
	Counts string
	// Missed is "2 missed recordings" (empty: none); NextEvent the next
	// scheduled recording's start, NextTitle its title.
	Missed    string
	NextEvent when
	NextTitle string
}

// newHealthView says what h means for rec, in the reader's language.
func (s *Server) newHealthView(p *locale.Printer, rec *lectern.Recorder, h *lectern.RecorderHealth, now time.Time) healthView {
	v := h.Verdict(now, healthWindow)
	a, f := h.Activity, h.LastFailure()
	hv := healthView{
		Verdict: v, Tone: healthTones[v], Headline: p.T("recorder.health.verdict." + v),
		LastContact: moment(p, h.LastContact()),
		Login:       moment(p, h.Contact.LoginAt), LoginAddr: h.Contact.LoginAddr, LoginVia: label(p, "recorder.health.via.", h.Contact.LoginVia),
		Failure: moment(p, f.FailureAt), FailureAddr: f.FailureAddr, FailureLogin: f.FailureLogin,
		FailureReason: label(p, "recorder.health.reason.", f.FailureReason), Failures: h.Contact.Failures,
		LastDeposit: moment(p, a.LastDepositAt), LastDepositReason: p.Error(a.LastReason),
		Deposits: a.Deposits, Failed: a.Failed(), Refused: a.Refused, Unrouted: a.Unrouted, ProcessingFailed: a.ProcessingFailed,
	}
	if a.LastState != "" {
		hv.LastDepositState = label(p, "treatment.state.", a.LastState)
	}
	hv.Counts = p.Plural("recorder.health.counts", a.Deposits, a.Deposits, a.Failed())
	if a.Missed > 0 {
		hv.Missed = p.Plural("recorder.health.missed_count", a.Missed)
	}
	hv.NextEvent, hv.NextTitle = moment(p, a.NextEventAt), a.NextEventTitle
	switch v {
	case lectern.HealthNeverConnected:
		if rec.HasFTP() {
			hv.Advice = p.T("recorder.health.advice.never_connected", s.cfg.FTPHost, s.cfg.FTPPort, rec.CredentialsLogin)
		} else {
			hv.Advice = p.T("recorder.health.advice.never_connected_no_ftp")
		}
	case lectern.HealthLoginFailing:
		hv.Advice = p.T("recorder.health.advice.login_failing", hv.FailureReason) + " " + s.loginFix(p, rec, f)
	case lectern.HealthSilent:
		hv.Advice = p.T("recorder.health.advice.silent", hv.LastContact.Text)
	case lectern.HealthNothingSent:
		hv.Advice = p.T("recorder.health.advice.nothing_sent")
	case lectern.HealthFilesRefused:
		hv.Advice = p.T("recorder.health.advice.files_refused", hv.LastDepositReason)
	case lectern.HealthFine:
		hv.Advice = p.Plural("recorder.health.advice.fine", a.Deposits)
		if a.Failed() > 0 {
			hv.Advice += " " + p.Plural("recorder.health.advice.fine_failed", a.Failed())
		}
	}
	return hv
}

// loginFix is what to do about the refused login f of rec.
func (s *Server) loginFix(p *locale.Printer, rec *lectern.Recorder, f lectern.RecorderContact) string {
	switch f.FailureReason {
	case lectern.LoginUnknown:
		return p.T("recorder.health.fix.unknown_login", f.FailureLogin, rec.CredentialsLogin)
	case lectern.LoginRefusedAddress:
		return p.T("recorder.health.fix.refused_address", f.FailureAddr, rec.AddressIP)
	case lectern.LoginThrottled:
		return p.T("recorder.health.fix.throttled", f.FailureAddr)
	}
	return label(p, "recorder.health.fix.", f.FailureReason)
}

// recorderHealth returns the health of recorders, in three queries
// whatever their number: the counts and contacts, the agents, the
// failed unknown logins (matched to a recorder by its address).
func (s *Server) recorderHealth(ctx context.Context, recs []*lectern.Recorder, now time.Time) (map[int64]*lectern.RecorderHealth, error) {
	if s.deps.Health == nil || len(recs) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	hs, err := s.deps.Health.FindRecorderHealth(ctx, ids, now.Add(-healthWindow), now.Add(-s.missedGrace()))
	if err != nil {
		return nil, fmt.Errorf("recorder health: %w", err)
	}
	if s.deps.Agents != nil {
		var only *int64
		if len(recs) == 1 {
			only = &recs[0].ID
		}
		agents, err := s.deps.Agents.FindAgents(ctx, only)
		if err != nil {
			return nil, fmt.Errorf("recorder health: agents: %w", err)
		}
		for _, a := range agents {
			if h := hs[a.RecorderID]; h != nil && a.LastContact.After(h.AgentContact) {
				h.AgentContact, h.AgentState = a.LastContact, a.State
			}
		}
	}
	fails, err := s.deps.Health.FindLoginFailures(ctx, lectern.LoginFailureFilter{})
	if err != nil {
		return nil, fmt.Errorf("recorder health: login failures: %w", err)
	}
	for _, r := range recs {
		for _, f := range fails { // the most recent first
			if f.Addr == r.AddressIP && hs[r.ID] != nil {
				hs[r.ID].AddressFailure = f
				break
			}
		}
	}
	return hs, nil
}

// missedGrace is how long after its end an event with no deposit is
// missed.
func (s *Server) missedGrace() time.Duration {
	if s.cfg.MissedGrace <= 0 {
		return DefaultMissedGrace
	}
	return s.cfg.MissedGrace
}
