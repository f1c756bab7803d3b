package mail

import (
	"bytes"
	"embed"
	"encoding/base64"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"lectern"
	"lectern/locale"
)

//go:embed templates/*.txt templates/*.html
var templateFS embed.FS

// Template names: templates/<name>.txt and templates/<name>.html.
const (
	templateNewRecording    = "new_recording"
	templateAdminReport     = "admin_report"
	templateMissedRecording = "missed_recording"
)

// RendererConfig is what the emails need from the configuration.
type RendererConfig struct {
	SiteTitle string // SITE_TITLE, in subjects and bodies
	BaseURL   string // BASE_URL, the root of every link
	UseCAS    bool   // USE_CAS: links go through the CAS login
	From      string // DEFAULT_FROM_EMAIL
	Language  string // LANGUAGE_CODE; an unknown one renders English
	// RecorderRoot (DEFAULT_RECORDER_PATH) is where the recorders'
	// folders are: the manager's link names the file relative to its
	// recorder's folder, as the seed's example mail does; empty, or a
	// file outside that folder: its absolute path.
	RecorderRoot string
	// Location (TIME_ZONE) is the zone dates are written in; nil: UTC.
	Location *time.Location
}

// Renderer renders Lectern's emails in one language. It implements
// lectern.MailRenderer and is safe for concurrent use.
type Renderer struct {
	cfg  RendererConfig
	p    *locale.Printer
	text *texttemplate.Template
	html *htmltemplate.Template
}

var _ lectern.MailRenderer = (*Renderer)(nil)

// NewRenderer parses the embedded templates for cfg.Language. The
// templates are part of the binary, so a parse error is a bug: it panics
// (a test parses them).
func NewRenderer(cfg RendererConfig) *Renderer {
	p := locale.NewPrinter(cfg.Language).In(cfg.Location)
	funcs := map[string]any{"t": p.T}
	text := texttemplate.Must(texttemplate.New("mail").Funcs(funcs).ParseFS(templateFS, "templates/*.txt"))
	html := htmltemplate.Must(htmltemplate.New("mail").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))
	return &Renderer{cfg: cfg, p: p, text: text, html: html}
}

// LinkFor returns the link to the add form for a deposit, as the manager's
// email carries it and as Pod's recorders expect it:
//
//	BASE_URL/mediacourses_add/?mediapath=…&course_title=…&recorder=<id>
//
// with each parameter query-encoded (spaces as "+"), in that order. With
// useCAS it goes through the CAS login first:
//
//	BASE_URL/sso-cas/login/?next=<the link, query-encoded>
//
// mediapath is the deposit's file relative to the recorder's directory
// (as the seed's example mail has it), or absolute (as Pod's own links
// send it); the add form accepts both.
// baseURL may end with a slash or not.
func LinkFor(baseURL string, useCAS bool, mediapath, courseTitle string, recorderID int64) string {
	base := strings.TrimRight(baseURL, "/")
	link := base + "/mediacourses_add/?mediapath=" + url.QueryEscape(mediapath) +
		"&course_title=" + url.QueryEscape(courseTitle) + "&recorder=" + strconv.FormatInt(recorderID, 10)
	if useCAS {
		return base + "/sso-cas/login/?next=" + url.QueryEscape(link)
	}
	return link
}

// mediapath is file as the link names it: relative to rec's folder when
// it lies inside, else absolute (the add form takes both). The server's
// own folders stay out of the mail.
func (r *Renderer) mediapath(rec *lectern.Recorder, file string) string {
	if r.cfg.RecorderRoot == "" || rec.Directory == "" {
		return file
	}
	rel, err := filepath.Rel(filepath.Join(r.cfg.RecorderRoot, rec.Directory), file)
	if err != nil || !filepath.IsLocal(rel) {
		return file
	}
	return filepath.ToSlash(rel)
}

// AdminTreatmentURL is the admin page of treatment id.
func AdminTreatmentURL(baseURL string, id int64) string {
	return strings.TrimRight(baseURL, "/") + "/admin/treatments/" + strconv.FormatInt(id, 10) + "/"
}

// newRecordingData is what templates/new_recording.* show.
type newRecordingData struct {
	Lang, Subject string
	Site          string
	Recorder      string
	Title         string // the course title the recorder sent; may be empty
	File          string // the file's name
	Link          string
	// Date is when the deposit arrived, in TIME_ZONE with the zone
	// named (a mail has no footer to name it); Size its size; Duration
	// its length, "" when unknown.
	Date, Size, Duration string
	// Thumbnail is a still of the recording as a data URL, "" for none;
	// the SMTP sender sends it as an inline part (inline.go).
	Thumbnail htmltemplate.URL
	// Event and Slot are the title and the time of the event the deposit
	// was recorded in, "" for none: the mail goes to its owner.
	Event, Slot string
}

// NewRecording implements lectern.MailRenderer: the manager's email with
// the link to the add form.
func (r *Renderer) NewRecording(m lectern.NewRecordingMail) (*lectern.Message, error) {
	if m.Recorder == nil || m.Treatment == nil {
		return nil, fmt.Errorf("render %s: no recorder or no treatment", templateNewRecording)
	}
	site := oneLine(r.cfg.SiteTitle)
	d := newRecordingData{
		Lang:     r.p.Lang(),
		Subject:  r.p.T("mail.new_recording.subject", site),
		Site:     site,
		Recorder: oneLine(m.Recorder.Name),
		Title:    oneLine(m.CourseTitle),
		File:     oneLine(filepath.Base(m.Treatment.File)),
		Link:     LinkFor(r.cfg.BaseURL, r.cfg.UseCAS, r.mediapath(m.Recorder, m.Treatment.File), m.CourseTitle, m.Recorder.ID),
		Size:     r.p.Size(m.Treatment.FileSize),
	}
	if at := m.Treatment.DateAdded; !at.IsZero() {
		d.Date = r.p.DateTime(at) + " (" + r.p.Location().String() + ")"
	}
	if m.Duration > 0 {
		d.Duration = r.p.Duration(m.Duration)
	}
	if m.Event != nil {
		d.Event, d.Slot = oneLine(m.Event.Title), r.slot(m.Event)
	}
	if len(m.Thumbnail) > 0 {
		// Built here from bytes, never from what a recorder sent.
		d.Thumbnail = htmltemplate.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(m.Thumbnail))
	}
	return r.message(lectern.MessageNewRecording, templateNewRecording, d.Subject, d, m.Treatment, m.To)
}

// adminReportData is what templates/admin_report.* show.
type adminReportData struct {
	Lang, Subject string
	Site          string
	Recorder      string // empty: no recorder
	Directory     string // the file's directory, shown when no recorder
	File          string // the file's path
	Reason        string // translated
	Link          string
}

// AdminReport implements lectern.MailRenderer: the admins' report of a
// deposit that nobody receives.
func (r *Renderer) AdminReport(m lectern.AdminReportMail) (*lectern.Message, error) {
	if m.Treatment == nil {
		return nil, fmt.Errorf("render %s: no treatment", templateAdminReport)
	}
	site := oneLine(r.cfg.SiteTitle)
	d := adminReportData{
		Lang:      r.p.Lang(),
		Subject:   r.p.T("mail.admin_report.subject", site),
		Site:      site,
		Directory: oneLine(filepath.Dir(m.Treatment.File)),
		File:      oneLine(m.Treatment.File),
		Reason:    oneLine(r.p.Error(m.Treatment.Reason)),
		Link:      AdminTreatmentURL(r.cfg.BaseURL, m.Treatment.ID),
	}
	if m.Recorder != nil {
		d.Recorder = oneLine(m.Recorder.Name)
	}
	return r.message(lectern.MessageAdminReport, templateAdminReport, d.Subject, d, m.Treatment, m.To)
}

// slot writes an event's time: its start's date and time, its end's time
// (its date too when another day), and the zone.
func (r *Renderer) slot(ev *lectern.Event) string {
	loc := r.p.Location()
	end := ev.End.In(loc).Format("15:04")
	if y, m, d := ev.Start.In(loc).Date(); !sameDay(ev.End.In(loc), y, m, d) {
		end = r.p.DateTime(ev.End)
	}
	return r.p.DateTime(ev.Start) + " – " + end + " (" + loc.String() + ")"
}

func sameDay(t time.Time, y int, m time.Month, d int) bool {
	ty, tm, td := t.Date()
	return ty == y && tm == m && td == d
}

// missedRecordingData is what templates/missed_recording.* show.
type missedRecordingData struct {
	Lang, Subject string
	Site          string
	Event, Slot   string
	Recorder      string
	Series        string
	// CaptureError tells that the recorder's capture agent reported the
	// capture failed; AgentState is the last state it reported, "" for
	// none.
	CaptureError bool
	AgentState   string
	Link         string
}

// MissedRecording implements lectern.MissedRecordingRenderer: the alert
// that an event ended with no recording.
func (r *Renderer) MissedRecording(m lectern.MissedRecordingMail) (*lectern.Message, error) {
	if m.Event == nil || m.Recorder == nil {
		return nil, fmt.Errorf("render %s: no event or no recorder", templateMissedRecording)
	}
	site := oneLine(r.cfg.SiteTitle)
	d := missedRecordingData{
		Lang:         r.p.Lang(),
		Subject:      r.p.T("mail.missed_recording.subject", site, oneLine(m.Recorder.Name)),
		Site:         site,
		Event:        oneLine(m.Event.Title),
		Slot:         r.slot(m.Event),
		Recorder:     oneLine(m.Recorder.Name),
		Series:       oneLine(m.Event.Series),
		CaptureError: m.Event.AgentState == lectern.AgentCaptureError,
		AgentState:   oneLine(m.Event.AgentState),
		Link:         strings.TrimRight(r.cfg.BaseURL, "/") + "/",
	}
	return r.message(lectern.MessageMissedRecording, templateMissedRecording, d.Subject, d, nil, m.To)
}

// message renders both parts of template name with data.
func (r *Renderer) message(kind, name, subject string, data any, t *lectern.Treatment, to []string) (*lectern.Message, error) {
	var text, html bytes.Buffer
	if err := r.text.ExecuteTemplate(&text, name+".txt", data); err != nil {
		return nil, fmt.Errorf("render %s text: %w", name, err)
	}
	if err := r.html.ExecuteTemplate(&html, name+".html", data); err != nil {
		return nil, fmt.Errorf("render %s html: %w", name, err)
	}
	var id *int64
	if t != nil {
		id = &t.ID
	}
	return &lectern.Message{
		Kind:        kind,
		TreatmentID: id,
		From:        r.cfg.From,
		To:          append([]string(nil), to...),
		Subject:     subject,
		Text:        text.String(),
		HTML:        html.String(),
	}, nil
}

// oneLine replaces control characters (a file name may hold a newline)
// with spaces, so that a name cannot add lines to a message or a header.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
