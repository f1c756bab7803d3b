package lectern

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// FeedReport says what one import of a feed did. Each list holds at most
// FeedReportMaxItems items; the counts count them all.
type FeedReport struct {
	// From and To bound the window the feed was expanded in.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Occurrences is the number of timed events the feed holds in the
	// window, after its recurrences were expanded.
	Occurrences int `json:"occurrences"`
	Created     int `json:"created"`
	Changed     int `json:"changed"`
	Unchanged   int `json:"unchanged"`
	Removed     int `json:"removed"`
	// Kept counts the events no longer in the feed that a recording used:
	// they stay (KeptItems).
	Kept int `json:"kept"`
	// Skipped counts the all-day events (a room booking has times),
	// Cancelled the events or occurrences whose STATUS is CANCELLED.
	Skipped   int `json:"skipped"`
	Cancelled int `json:"cancelled"`
	// Truncated: the feed expands into more than FeedMaxOccurrences
	// events; the first were imported, none was removed.
	Truncated bool `json:"truncated,omitempty"`

	Unmapped      int              `json:"unmapped"`
	UnmappedItems []FeedReportItem `json:"unmapped_items,omitempty"`
	KeptItems     []FeedReportItem `json:"kept_items,omitempty"`
	Conflicts     []FeedReportItem `json:"conflicts,omitempty"`
	Errors        []FeedReportItem `json:"errors,omitempty"`
	// ConflictCount and ErrorCount count the conflicts and errors.
	ConflictCount int `json:"conflict_count"`
	ErrorCount    int `json:"error_count"`
}

// FeedReportItem is one event of a report, and why it is there.
type FeedReportItem struct {
	Key   string    `json:"key"`
	Title string    `json:"title"`
	Start time.Time `json:"start,omitzero"`
	// Reason is one of the FeedReason values; Detail gives its particulars
	// (the email no account has, the event in the way, the parser's
	// message).
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// Reasons of a report's items (stable: they are translation keys).
const (
	FeedReasonNoOwner   = "no_owner"   // the rule found no username or email in the event
	FeedReasonNoAccount = "no_account" // what it found is nobody's
	FeedReasonKept      = "kept"       // gone from the feed, but a recording used it
	FeedReasonConflict  = "conflict"   // overlaps an event made by hand or by another feed
	FeedReasonInvalid   = "invalid"    // the event is not valid (a title too long, an end before the start)
	FeedReasonParse     = "parse"      // the parser could not read the event
)

// FeedReasons lists the reasons, for the catalogs' tests.
var FeedReasons = []string{FeedReasonNoOwner, FeedReasonNoAccount, FeedReasonKept, FeedReasonConflict, FeedReasonInvalid, FeedReasonParse}

func (r *FeedReport) add(list *[]FeedReportItem, item FeedReportItem) {
	if len(*list) < FeedReportMaxItems {
		*list = append(*list, item)
	}
}

// FeedOccurrence is one event of a feed, expanded: Event holds its
// FeedKey, times and texts; OwnerKeys the usernames or emails the feed's
// rule found, in order of preference (the first an account has wins).
type FeedOccurrence struct {
	Event     Event
	OwnerKeys []string
}

// FeedParse is an iCalendar file read by a FeedParser.
type FeedParse struct {
	From, To    time.Time
	Occurrences []FeedOccurrence
	Skipped     int
	Cancelled   int
	Truncated   bool
	// Errors are the events that could not be read (an unknown time
	// zone, a broken date): left out, the rest imported.
	Errors []FeedReportItem
}

// FeedParser reads an iCalendar file into the occurrences of its timed
// events within the import window around now (package ical). An error
// (EINVALID with the reason) means the file as a whole is not iCalendar:
// nothing is imported.
type FeedParser interface {
	ParseFeed(ctx context.Context, f *Feed, data []byte, now time.Time) (*FeedParse, error)
}

// FeedFetcher fetches a feed's URL, at most FeedMaxBytes (package ical).
type FeedFetcher interface {
	FetchFeed(ctx context.Context, rawURL string) ([]byte, error)
}

// FeedImporter imports feeds into recorders' schedules.
type FeedImporter struct {
	Feeds   FeedService
	Events  EventService
	Users   UserService
	Parser  FeedParser
	Fetcher FeedFetcher
	// AdoptFunc, when set, makes an account from the directory for a
	// username no account has (Accounts.Adopt, when LDAP is configured).
	AdoptFunc func(ctx context.Context, username string) (*User, error)
	// Refresh is the interval of feeds that have none
	// (SCHEDULE_FEED_REFRESH).
	Refresh time.Duration
	// Lease bounds one import: a node that died while importing lets
	// another import the feed after it. Ten minutes when zero.
	Lease  time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

func (im *FeedImporter) now() time.Time {
	if im.Now != nil {
		return im.Now().UTC()
	}
	return time.Now().UTC()
}

// Import imports feed id: data when it is not nil (an uploaded file), else
// what its URL serves. The report is stored with the feed; a fetch or a
// file that is not iCalendar stores the error and changes no event.
// ECONFLICT when another import of the feed is running.
func (im *FeedImporter) Import(ctx context.Context, id int64, data []byte) (*FeedReport, error) {
	return im.importFeed(ctx, id, data, time.Time{})
}

func (im *FeedImporter) importFeed(ctx context.Context, id int64, data []byte, attemptedBefore time.Time) (*FeedReport, error) {
	f, err := im.Feeds.FindFeedByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if data == nil && f.URL == "" {
		return nil, Errorf(EINVALID, "This feed has no address: upload its file.")
	}
	lease := im.Lease
	if lease <= 0 {
		lease = 10 * time.Minute
	}
	now := im.now()
	ok, err := im.Feeds.ClaimFeed(ctx, id, now, now.Add(lease), attemptedBefore)
	if err != nil {
		return nil, fmt.Errorf("import feed %d: %w", id, err)
	}
	if !ok {
		return nil, Errorf(ECONFLICT, "An import of this feed is running; try again in a moment.")
	}
	report, err := im.run(ctx, f, data, now)
	// The result is stored even when ctx ended (a shutdown mid-import):
	// the lease is released and the next pass tries again.
	done := context.WithoutCancel(ctx)
	if err != nil {
		msg := err.Error()
		if e, ok := err.(*Error); ok && e.Message != "" {
			msg = e.Message
		}
		if ferr := im.Feeds.FinishFeedImport(done, id, im.now(), nil, msg); ferr != nil {
			return nil, fmt.Errorf("import feed %d: %w (after %v)", id, ferr, err)
		}
		return nil, err
	}
	if err := im.Feeds.FinishFeedImport(done, id, im.now(), report, ""); err != nil {
		return nil, fmt.Errorf("import feed %d: %w", id, err)
	}
	return report, nil
}

func (im *FeedImporter) run(ctx context.Context, f *Feed, data []byte, now time.Time) (*FeedReport, error) {
	if data == nil {
		var err error
		if data, err = im.Fetcher.FetchFeed(ctx, f.URL); err != nil {
			return nil, err
		}
	}
	parsed, err := im.Parser.ParseFeed(ctx, f, data, now)
	if err != nil {
		return nil, err
	}
	return im.sync(ctx, f, parsed)
}

// ImportDue imports every URL feed whose last attempt is older than its
// refresh interval, one after the other; it returns how many it imported.
// A feed another node is importing, or just imported, is left to it.
func (im *FeedImporter) ImportDue(ctx context.Context) (int, error) {
	feeds, err := im.Feeds.FindFeeds(ctx, FeedFilter{URLOnly: true})
	if err != nil {
		return 0, fmt.Errorf("find feeds to import: %w", err)
	}
	n := 0
	for _, f := range feeds {
		now := im.now()
		before := now.Add(-f.Refresh(im.Refresh))
		if !f.LastAttemptAt.IsZero() && f.LastAttemptAt.After(before) {
			continue
		}
		_, err := im.importFeed(ctx, f.ID, nil, before)
		switch {
		case ctx.Err() != nil:
			return n, ctx.Err()
		case ErrorCode(err) == ECONFLICT:
		case err != nil:
			im.logger().Warn("feed import failed", "feed_id", f.ID, "recorder_id", f.RecorderID, "err", err)
			n++
		default:
			n++
		}
	}
	return n, nil
}

func (im *FeedImporter) logger() *slog.Logger {
	if im.Logger != nil {
		return im.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// sync makes the feed's events in the window those of parsed: it creates
// the new, updates the changed (matched by FeedKey), removes those gone
// unless a recording used them, and never touches an event made by hand
// or by another feed. An event the schedule refuses (a conflict) is
// reported and the others go on.
func (im *FeedImporter) sync(ctx context.Context, f *Feed, parsed *FeedParse) (*FeedReport, error) {
	r := &FeedReport{From: parsed.From, To: parsed.To, Occurrences: len(parsed.Occurrences),
		Skipped: parsed.Skipped, Cancelled: parsed.Cancelled, Truncated: parsed.Truncated}
	for _, e := range parsed.Errors {
		r.ErrorCount++
		r.add(&r.Errors, e)
	}
	existing, _, err := im.Events.FindEvents(ctx, EventFilter{FeedID: &f.ID, RecorderID: &f.RecorderID, From: parsed.From, To: parsed.To})
	if err != nil {
		return nil, fmt.Errorf("import feed %d: find its events: %w", f.ID, err)
	}
	byKey := map[string]*Event{}
	for _, e := range existing {
		byKey[e.FeedKey] = e
	}
	inFeed := map[string]bool{}
	for _, o := range parsed.Occurrences {
		inFeed[o.Event.FeedKey] = true
	}
	// Gone first, so that an event moved onto a slot another one left
	// does not conflict with it.
	if !parsed.Truncated {
		for _, e := range existing {
			if inFeed[e.FeedKey] {
				continue
			}
			if !e.UsedAt.IsZero() {
				r.Kept++
				r.add(&r.KeptItems, FeedReportItem{Key: e.FeedKey, Title: e.Title, Start: e.Start, Reason: FeedReasonKept})
				continue
			}
			if err := im.Events.DeleteEvent(ctx, e.ID); err != nil && ErrorCode(err) != ENOTFOUND {
				return nil, fmt.Errorf("import feed %d: remove event %d: %w", f.ID, e.ID, err)
			}
			r.Removed++
		}
	}
	owners := map[string]*int64{}
	for _, o := range parsed.Occurrences {
		ev := o.Event
		item := FeedReportItem{Key: ev.FeedKey, Title: ev.Title, Start: ev.Start}
		owner, reason, detail, err := im.owner(ctx, owners, o.OwnerKeys)
		if err != nil {
			return nil, fmt.Errorf("import feed %d: %w", f.ID, err)
		}
		if owner == nil {
			r.Unmapped++
			item.Reason, item.Detail = reason, detail
			r.add(&r.UnmappedItems, item)
		}
		ev.OwnerID = owner
		ev.RecorderID, ev.FeedID = f.RecorderID, &f.ID
		old := byKey[ev.FeedKey]
		if old != nil && sameImported(old, &ev) {
			r.Unchanged++
			continue
		}
		if old != nil {
			upd := *old
			upd.Start, upd.End, upd.Title, upd.Description, upd.Location, upd.Series, upd.OwnerID =
				ev.Start, ev.End, ev.Title, ev.Description, ev.Location, ev.Series, ev.OwnerID
			err = im.Events.UpdateEvent(ctx, &upd)
		} else {
			ev.UID = NewEventUID()
			err = im.Events.CreateEvent(ctx, &ev)
		}
		switch ErrorCode(err) {
		case "":
			if old != nil {
				r.Changed++
			} else {
				r.Created++
			}
		case ECONFLICT:
			item.Reason, item.Detail = FeedReasonConflict, ErrorMessage(err)
			r.ConflictCount++
			r.add(&r.Conflicts, item)
		case EINVALID:
			item.Reason, item.Detail = FeedReasonInvalid, invalidDetail(err)
			r.ErrorCount++
			r.add(&r.Errors, item)
		default:
			return nil, fmt.Errorf("import feed %d: event %s: %w", f.ID, ev.FeedKey, err)
		}
	}
	return r, nil
}

// sameImported reports whether an import would change nothing of old.
func sameImported(old, ev *Event) bool {
	sameOwner := (old.OwnerID == nil) == (ev.OwnerID == nil) && (old.OwnerID == nil || *old.OwnerID == *ev.OwnerID)
	return sameOwner && old.Start.Equal(ev.Start) && old.End.Equal(ev.End) && old.Title == ev.Title &&
		old.Description == ev.Description && old.Location == ev.Location && old.Series == ev.Series
}

// invalidDetail joins an EINVALID error's field messages.
func invalidDetail(err error) string {
	e, ok := err.(*Error)
	if !ok || len(e.Fields) == 0 {
		return ErrorMessage(err)
	}
	var parts []string
	for k, v := range e.Fields {
		parts = append(parts, k+": "+v)
	}
	return strings.Join(parts, "; ")
}

// owner returns the account of the first of keys an account has (an email
// or a username), or nil with the reason; cache remembers each key's
// answer for the import.
func (im *FeedImporter) owner(ctx context.Context, cache map[string]*int64, keys []string) (*int64, string, string, error) {
	if len(keys) == 0 {
		return nil, FeedReasonNoOwner, "", nil
	}
	for _, k := range keys {
		id, seen := cache[k]
		if !seen {
			u, err := im.lookup(ctx, k)
			if err != nil {
				return nil, "", "", err
			}
			if u != nil {
				id = &u.ID
			}
			cache[k] = id
		}
		if id != nil {
			return id, "", "", nil
		}
	}
	return nil, FeedReasonNoAccount, strings.Join(keys, ", "), nil
}

// lookup finds the account of an email (case-insensitively) or a
// username; nil when none has it.
func (im *FeedImporter) lookup(ctx context.Context, key string) (*User, error) {
	if strings.Contains(key, "@") {
		users, _, err := im.Users.FindUsers(ctx, UserFilter{Email: &key, Page: Page{Size: 2}})
		if err != nil {
			return nil, fmt.Errorf("find the account of %q: %w", key, err)
		}
		if len(users) == 1 {
			return users[0], nil
		}
		// Several accounts share the email: none is chosen. An email
		// whose local part is an account's username is not guessed at.
		return nil, nil
	}
	u, err := im.Users.FindUserByUsername(ctx, key)
	if ErrorCode(err) == ENOTFOUND && im.AdoptFunc != nil {
		u, err = im.AdoptFunc(ctx, key)
	}
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("find the account of %q: %w", key, err)
	}
	return u, nil
}
