package lectern_test

import (
	"testing"
	"time"

	"lectern"
)

// TestFeedValidate holds a feed's settings: an http(s) address without
// credentials, an interval offered, a rule among the known, a regular
// expression that compiles with its user group.
func TestFeedValidate(t *testing.T) {
	t.Parallel()
	re := func(prop, pattern string) lectern.FeedRule {
		return lectern.FeedRule{Kind: lectern.FeedRuleRegexp, Property: prop, Pattern: pattern}
	}
	for _, tc := range []struct {
		name  string
		feed  lectern.Feed
		field string // "" when valid
	}{
		{"uploaded", lectern.Feed{Name: "ADE"}, ""},
		{"https", lectern.Feed{Name: "ADE", URL: "https://ade.univ.example/jsp/custom/modules/plannings/anonymous_cal.jsp?resources=123"}, ""},
		{"http on a port", lectern.Feed{Name: "ADE", URL: "http://10.0.0.5:8080/feed.ics"}, ""},
		{"no name", lectern.Feed{Name: "  "}, "name"},
		{"file", lectern.Feed{Name: "x", URL: "file:///etc/passwd"}, "url"},
		{"ftp", lectern.Feed{Name: "x", URL: "ftp://ade.example/x.ics"}, "url"},
		{"no host", lectern.Feed{Name: "x", URL: "https:///x.ics"}, "url"},
		{"relative", lectern.Feed{Name: "x", URL: "/etc/passwd"}, "url"},
		{"credentials", lectern.Feed{Name: "x", URL: "https://u:p@ade.example/x.ics"}, "url"},
		{"too often", lectern.Feed{Name: "x", RefreshInterval: time.Minute}, "refresh_interval"},
		{"too rarely", lectern.Feed{Name: "x", RefreshInterval: 60 * 24 * time.Hour}, "refresh_interval"},
		{"unknown rule", lectern.Feed{Name: "x", Rule: lectern.FeedRule{Kind: "sql"}}, "rule"},
		{"regexp", lectern.Feed{Name: "x", Rule: re("SUMMARY", `(?P<user>\w+)`)}, ""},
		{"regexp that does not compile", lectern.Feed{Name: "x", Rule: re("SUMMARY", `(?P<user>[a-`)}, "rule_pattern"},
		{"regexp without user", lectern.Feed{Name: "x", Rule: re("SUMMARY", `(?P<login>\w+)`)}, "rule_pattern"},
		{"regexp on another property", lectern.Feed{Name: "x", Rule: re("ATTACH", `(?P<user>\w+)`)}, "rule_property"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := tc.feed
			f.RecorderID = 1
			err := f.Validate()
			if tc.field == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			if lectern.ErrorCode(err) != lectern.EINVALID || lectern.ErrorFields(err)[tc.field] == "" {
				t.Errorf("err = %v, want EINVALID on %s", err, tc.field)
			}
		})
	}
	// A rule other than the regular expression keeps no pattern.
	f := lectern.Feed{Name: "x", RecorderID: 1, Rule: lectern.FeedRule{Kind: lectern.FeedRuleOrganizer, Property: "SUMMARY", Pattern: "x"}}
	if err := f.Validate(); err != nil || f.Rule.Pattern != "" || f.Rule.Property != "" {
		t.Errorf("organizer rule: %+v, %v", f.Rule, err)
	}
}
