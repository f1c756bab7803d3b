package lectern

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of an iCalendar feed.
const (
	// FeedMaxBytes bounds an iCalendar file, fetched or uploaded: a room's
	// timetable for a year is a few hundred kilobytes.
	FeedMaxBytes = 10 << 20
	// FeedMaxOccurrences bounds the events one import expands a feed
	// into; the rest are left out and the report says so (a rule
	// repeating every second must not fill the memory or the schedule).
	FeedMaxOccurrences = 5000
	// FeedMinRefresh and FeedMaxRefresh bound a feed's refresh interval.
	FeedMinRefresh = 5 * time.Minute
	FeedMaxRefresh = 30 * 24 * time.Hour
	// FeedReportMaxItems bounds each list of a stored report.
	FeedReportMaxItems = 200
)

// FeedRuleKind says where a feed's mapping rule finds an event's owner.
type FeedRuleKind string

// The mapping rules.
const (
	FeedRuleNone        FeedRuleKind = ""            // nobody: every event is unmapped
	FeedRuleOrganizer   FeedRuleKind = "organizer"   // ORGANIZER's email
	FeedRuleAttendee    FeedRuleKind = "attendee"    // the first ATTENDEE whose email is an account's
	FeedRuleDescription FeedRuleKind = "description" // a username or email written in DESCRIPTION
	FeedRuleRegexp      FeedRuleKind = "regexp"      // Pattern's (?P<user>…) group in Property
)

// FeedRuleKinds lists the rules, in the order forms offer them.
var FeedRuleKinds = []FeedRuleKind{FeedRuleNone, FeedRuleOrganizer, FeedRuleAttendee, FeedRuleDescription, FeedRuleRegexp}

// FeedRuleProperties are the properties a regular expression may read.
var FeedRuleProperties = []string{"SUMMARY", "DESCRIPTION", "LOCATION", "ORGANIZER"}

// FeedRule finds the owner of an imported event: a username or an email
// that an account has.
type FeedRule struct {
	Kind FeedRuleKind `json:"kind"`
	// Property and Pattern are the regexp rule's: a property of
	// FeedRuleProperties, and a regular expression (Go's RE2 syntax) with a
	// group named user whose match is a username or an email.
	Property string `json:"property,omitempty"`
	Pattern  string `json:"pattern,omitempty"`
}

// Regexp compiles the regexp rule's pattern; EINVALID when it does not
// compile or has no group named user.
func (r FeedRule) Regexp() (*regexp.Regexp, error) {
	if len(r.Pattern) > 1000 {
		return nil, Errorf(EINVALID, "The regular expression is too long.")
	}
	re, err := regexp.Compile(r.Pattern)
	if err != nil {
		return nil, Errorf(EINVALID, "The regular expression is not valid: %v.", err)
	}
	if re.SubexpIndex("user") < 0 {
		return nil, Errorf(EINVALID, "The regular expression has no group named user: (?P<user>…).")
	}
	return re, nil
}

// Feed is an iCalendar timetable imported into a recorder's schedule: from
// a URL, fetched again every RefreshInterval, or from files uploaded by
// hand (URL empty).
type Feed struct {
	ID         int64  `json:"id"`
	RecorderID int64  `json:"recorder"`
	Name       string `json:"name"`
	// URL is an http or https address; empty for an uploaded feed.
	URL string `json:"url"`
	// RefreshInterval is how often URL is fetched; zero: the server's
	// default (SCHEDULE_FEED_REFRESH).
	RefreshInterval time.Duration `json:"refresh_interval"`
	Rule            FeedRule      `json:"rule"`

	// LastAttemptAt is when an import last ended, well or not;
	// LastImportAt when one last succeeded, with its report; LastError
	// says why the last attempt failed (empty: it did not).
	LastAttemptAt time.Time   `json:"last_attempt_at,omitzero"`
	LastImportAt  time.Time   `json:"last_import_at,omitzero"`
	LastReport    *FeedReport `json:"last_report,omitempty"`
	LastError     string      `json:"last_error,omitempty"`

	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	CreatedByID *int64    `json:"created_by,omitempty"`
}

// Validate checks the feed's own fields: EINVALID with a message per field.
func (f *Feed) Validate() error {
	fields := map[string]string{}
	f.Name = strings.TrimSpace(f.Name)
	f.URL = strings.TrimSpace(f.URL)
	switch {
	case f.Name == "":
		fields["name"] = "This field is required."
	case utf8.RuneCountInString(f.Name) > EventTitleMax || !utf8.ValidString(f.Name) || strings.ContainsRune(f.Name, 0):
		fields["name"] = fmt.Sprintf("Ensure this value has at most %d characters.", EventTitleMax)
	}
	if f.RecorderID == 0 {
		fields["recorder"] = "This field is required."
	}
	if f.URL != "" {
		if err := CheckFeedURL(f.URL); err != nil {
			fields["url"] = err.(*Error).Message
		}
	}
	if f.RefreshInterval != 0 && (f.RefreshInterval < FeedMinRefresh || f.RefreshInterval > FeedMaxRefresh) {
		fields["refresh_interval"] = "Choose an interval between 5 minutes and 30 days."
	}
	switch f.Rule.Kind {
	case FeedRuleNone, FeedRuleOrganizer, FeedRuleAttendee, FeedRuleDescription:
		f.Rule.Property, f.Rule.Pattern = "", ""
	case FeedRuleRegexp:
		if !containsString(FeedRuleProperties, f.Rule.Property) {
			fields["rule_property"] = "Select a valid choice."
		}
		if _, err := f.Rule.Regexp(); err != nil {
			fields["rule_pattern"] = err.(*Error).Message
		}
	default:
		fields["rule"] = "Select a valid choice."
	}
	if len(fields) > 0 {
		return &Error{Op: "validate feed", Code: EINVALID, Message: "The feed is not valid.", Fields: fields}
	}
	return nil
}

// CheckFeedURL accepts an absolute http or https URL with a host and no
// credentials (they would be shown on the feed's page): a feed is never
// read from a file:// or any other scheme. EINVALID says why not.
func CheckFeedURL(raw string) error {
	if len(raw) > 2000 {
		return Errorf(EINVALID, "The address is too long.")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return Errorf(EINVALID, "Enter a valid URL.")
	case u.Scheme != "http" && u.Scheme != "https":
		return Errorf(EINVALID, "Only http and https addresses are accepted.")
	case u.Host == "" || u.Hostname() == "":
		return Errorf(EINVALID, "Enter a valid URL.")
	case u.User != nil:
		return Errorf(EINVALID, "Put no user name or password in the address.")
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Refresh returns the feed's refresh interval, def when it has none.
func (f *Feed) Refresh(def time.Duration) time.Duration {
	if f.RefreshInterval > 0 {
		return f.RefreshInterval
	}
	return def
}

// FeedFilter selects feeds; zero fields match everything.
type FeedFilter struct {
	ID         *int64
	RecorderID *int64
	// URLOnly selects feeds with a URL (those the periodic pass fetches).
	URLOnly bool
}

// FeedService stores iCalendar feeds.
type FeedService interface {
	// CreateFeed validates f and inserts it, filling ID, CreatedAt and
	// UpdatedAt; EINVALID (Validate, unknown recorder).
	CreateFeed(ctx context.Context, f *Feed) error
	// FindFeedByID returns ENOTFOUND when no feed has that id.
	FindFeedByID(ctx context.Context, id int64) (*Feed, error)
	// FindFeeds returns the matching feeds by recorder and name.
	FindFeeds(ctx context.Context, filter FeedFilter) ([]*Feed, error)
	// UpdateFeed saves the feed's settings (name, URL, interval, rule);
	// ENOTFOUND, EINVALID.
	UpdateFeed(ctx context.Context, f *Feed) error
	// DeleteFeed removes the feed and those of its events no recording
	// used; the used ones stay, as events made by hand. ENOTFOUND;
	// ECONFLICT while an import holds the feed's lease.
	DeleteFeed(ctx context.Context, id int64) error
	// ClaimFeed takes the feed's import lease until until, when no
	// unexpired lease is held (now is the caller's clock) and, unless
	// attemptedBefore is zero, no import ended after attemptedBefore; it
	// reports false otherwise. One node imports a feed at a time, and a
	// periodic pass does not import again a feed another node just did.
	ClaimFeed(ctx context.Context, id int64, now, until, attemptedBefore time.Time) (bool, error)
	// FinishFeedImport stores an import's end and releases the lease:
	// LastAttemptAt = at; with a report, LastImportAt = at, LastReport and
	// LastError cleared; with errMsg, LastError (the last report stays).
	FinishFeedImport(ctx context.Context, id int64, at time.Time, report *FeedReport, errMsg string) error
}
