package ical

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lectern"
)

// now is the tests' clock: a Monday of January 2026, so that the window is
// 2025-12-29 to 2026-05-06 (a week back, 120 days ahead).
var now = time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC)

func parseFile(t *testing.T, name string, rule lectern.FeedRule) *lectern.FeedParse {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	p := &Parser{Location: paris}
	out, err := p.ParseFeed(context.Background(), &lectern.Feed{Rule: rule}, data, now)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestParseTimetable reads an ADE-like export: a weekly lecture until
// March with a holiday, one moved and one cancelled occurrence; a
// fortnightly tutorial across the change to summer time; a single event;
// an all-day holiday and a cancelled meeting left out; an event in UTC; a
// past one outside the window.
func TestParseTimetable(t *testing.T) {
	t.Parallel()
	out := parseFile(t, "testdata/timetable.ics", lectern.FeedRule{Kind: lectern.FeedRuleOrganizer})
	type occ struct{ Key, Start, End, Title string }
	var got []occ
	for _, o := range out.Occurrences {
		got = append(got, occ{o.Event.FeedKey, o.Event.Start.Format(time.RFC3339), o.Event.End.Format(time.RFC3339), o.Event.Title})
	}
	const alg, phy = "ADE60456e7369746532303235-2026-algebra-L1", "ADE60456e7369746532303235-2026-physics-TD"
	algT, phyT := "L1 MATH101 Algèbre linéaire - CM", "L2 PHYS201 Mécanique - TD"
	want := []occ{
		{alg + "|2026-01-05T07:00:00Z", "2026-01-05T07:00:00Z", "2026-01-05T09:00:00Z", algT},
		{phy + "|2026-01-07T13:00:00Z", "2026-01-07T13:00:00Z", "2026-01-07T15:00:00Z", phyT},
		{alg + "|2026-01-12T07:00:00Z", "2026-01-12T07:00:00Z", "2026-01-12T09:00:00Z", algT},
		{alg + "|2026-01-19T07:00:00Z", "2026-01-19T07:00:00Z", "2026-01-19T09:00:00Z", algT},
		{"ADE60456e7369746532303235-2026-conseil", "2026-01-20T09:00:00Z", "2026-01-20T11:00:00Z", "Conseil de département"},
		{phy + "|2026-01-21T13:00:00Z", "2026-01-21T13:00:00Z", "2026-01-21T15:00:00Z", phyT},
		{alg + "|2026-01-26T07:00:00Z", "2026-01-26T07:00:00Z", "2026-01-26T09:00:00Z", algT},
		{alg + "|2026-02-02T07:00:00Z", "2026-02-02T07:00:00Z", "2026-02-02T09:00:00Z", algT},
		{phy + "|2026-02-04T13:00:00Z", "2026-02-04T13:00:00Z", "2026-02-04T15:00:00Z", phyT},
		{alg + "|2026-02-09T07:00:00Z", "2026-02-09T07:00:00Z", "2026-02-09T09:00:00Z", algT},
		{"ADE60456e7369746532303235-2026-soutenance", "2026-02-10T13:00:00Z", "2026-02-10T15:00:00Z", "Soutenance de stage"},
		{phy + "|2026-02-18T13:00:00Z", "2026-02-18T13:00:00Z", "2026-02-18T15:00:00Z", phyT},
		// 16 February: the holiday's EXDATE.
		{alg + "|2026-02-23T07:00:00Z", "2026-02-23T07:00:00Z", "2026-02-23T09:00:00Z", algT},
		// 2 March moved to Tuesday 3 March afternoon; 9 March cancelled.
		{alg + "|2026-03-02T07:00:00Z", "2026-03-03T13:00:00Z", "2026-03-03T15:00:00Z", algT + " (déplacé)"},
		{phy + "|2026-03-04T13:00:00Z", "2026-03-04T13:00:00Z", "2026-03-04T15:00:00Z", phyT},
		{alg + "|2026-03-16T07:00:00Z", "2026-03-16T07:00:00Z", "2026-03-16T09:00:00Z", algT},
		{phy + "|2026-03-18T13:00:00Z", "2026-03-18T13:00:00Z", "2026-03-18T15:00:00Z", phyT},
		// UNTIL=20260323T070000Z is this very occurrence: included.
		{alg + "|2026-03-23T07:00:00Z", "2026-03-23T07:00:00Z", "2026-03-23T09:00:00Z", algT},
		// Summer time from 29 March: 14:00 in Paris is 12:00 UTC.
		{phy + "|2026-04-01T12:00:00Z", "2026-04-01T12:00:00Z", "2026-04-01T14:00:00Z", phyT},
		{phy + "|2026-04-15T12:00:00Z", "2026-04-15T12:00:00Z", "2026-04-15T14:00:00Z", phyT},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("occurrences (-want +got):\n%s", diff)
	}
	if out.Skipped != 1 || out.Cancelled != 2 || out.Truncated || len(out.Errors) != 0 {
		t.Errorf("skipped %d (want 1), cancelled %d (want 2), truncated %v, errors %v", out.Skipped, out.Cancelled, out.Truncated, out.Errors)
	}
	first := out.Occurrences[0].Event
	if first.Location != "Amphi B" || !strings.Contains(first.Description, "DUPONT Jean\n(Exporté le:02/01/2026 11:15)") {
		t.Errorf("texts: location %q, description %q", first.Location, first.Description)
	}
}

// TestParseOwnerRules holds what each mapping rule finds in the export.
func TestParseOwnerRules(t *testing.T) {
	t.Parallel()
	owners := func(rule lectern.FeedRule) map[string][]string {
		m := map[string][]string{}
		for _, o := range parseFile(t, "testdata/timetable.ics", rule).Occurrences {
			uid, _, _ := strings.Cut(o.Event.FeedKey, "|")
			m[strings.TrimPrefix(uid, "ADE60456e7369746532303235-2026-")] = o.OwnerKeys
		}
		return m
	}
	for _, tc := range []struct {
		name string
		rule lectern.FeedRule
		want map[string][]string
	}{
		{"organizer", lectern.FeedRule{Kind: lectern.FeedRuleOrganizer}, map[string][]string{
			"algebra-L1": {"Jean.Dupont@univ.example"}, "physics-TD": {"scolarite@univ.example"},
			"conseil": {"secretariat@univ.example"}, "soutenance": {"invite@ailleurs.example"}}},
		{"attendee", lectern.FeedRule{Kind: lectern.FeedRuleAttendee}, map[string][]string{
			"algebra-L1": nil, "physics-TD": {"etudiant.l2@etu.univ.example", "marie.curie@univ.example"},
			"conseil": nil, "soutenance": nil}},
		{"description", lectern.FeedRule{Kind: lectern.FeedRuleDescription}, map[string][]string{
			"algebra-L1": nil, "physics-TD": {"mcurie"}, "conseil": {"secretariat@univ.example"}, "soutenance": nil}},
		{"regexp", lectern.FeedRule{Kind: lectern.FeedRuleRegexp, Property: "SUMMARY", Pattern: `^L\d (?P<user>[A-Z]+\d+)`}, map[string][]string{
			"algebra-L1": {"MATH101"}, "physics-TD": {"PHYS201"}, "conseil": nil, "soutenance": nil}},
		{"regexp organizer", lectern.FeedRule{Kind: lectern.FeedRuleRegexp, Property: "ORGANIZER", Pattern: `^(?P<user>[^@]+)@univ\.example$`}, map[string][]string{
			"algebra-L1": {"Jean.Dupont"}, "physics-TD": {"scolarite"}, "conseil": {"secretariat"}, "soutenance": nil}},
		{"none", lectern.FeedRule{}, map[string][]string{"algebra-L1": nil, "physics-TD": nil, "conseil": nil, "soutenance": nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, owners(tc.rule)); diff != "" {
				t.Errorf("owner keys (-want +got):\n%s", diff)
			}
		})
	}
}
