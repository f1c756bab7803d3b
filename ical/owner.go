package ical

import (
	"regexp"
	"strings"

	goical "github.com/emersion/go-ical"

	"lectern"
)

// maxOwnerKeys bounds the usernames or emails one event offers.
const maxOwnerKeys = 20

// ownerRule finds in an event the usernames or emails a feed's mapping
// rule names; the importer looks them up among accounts.
type ownerRule struct {
	rule lectern.FeedRule
	re   *regexp.Regexp
}

func newOwnerRule(r lectern.FeedRule) (*ownerRule, error) {
	o := &ownerRule{rule: r}
	if r.Kind == lectern.FeedRuleRegexp {
		re, err := r.Regexp()
		if err != nil {
			return nil, err
		}
		o.re = re
	}
	return o, nil
}

var (
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	// loginRe finds a username after a label, as timetables write one:
	// "login: jdupont", "Identifiant : jdupont", "uid=jdupont".
	loginRe = regexp.MustCompile(`(?i)\b(?:login|username|user|uid|identifiant|utilisateur)\s*[:=]\s*([A-Za-z0-9][A-Za-z0-9._\-]{0,149})`)
)

// keys returns the rule's usernames or emails for c, in order, without
// repeats.
func (o *ownerRule) keys(c *goical.Component) []string {
	var keys []string
	switch o.rule.Kind {
	case lectern.FeedRuleOrganizer:
		if p := c.Props.Get(goical.PropOrganizer); p != nil {
			keys = append(keys, address(p))
		}
	case lectern.FeedRuleAttendee:
		for _, p := range c.Props.Values(goical.PropAttendee) {
			keys = append(keys, address(&p))
		}
	case lectern.FeedRuleDescription:
		d := text(c, goical.PropDescription)
		keys = append(keys, emailRe.FindAllString(d, maxOwnerKeys)...)
		for _, m := range loginRe.FindAllStringSubmatch(d, maxOwnerKeys) {
			keys = append(keys, m[1])
		}
	case lectern.FeedRuleRegexp:
		var v string
		if o.rule.Property == goical.PropOrganizer {
			if p := c.Props.Get(goical.PropOrganizer); p != nil {
				v = address(p)
			}
		} else {
			v = text(c, o.rule.Property)
		}
		i := o.re.SubexpIndex("user")
		for _, m := range o.re.FindAllStringSubmatch(v, maxOwnerKeys) {
			keys = append(keys, m[i])
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if k == "" || len(k) > 254 || seen[strings.ToLower(k)] || len(out) >= maxOwnerKeys {
			continue
		}
		seen[strings.ToLower(k)] = true
		out = append(out, k)
	}
	return out
}

// address returns a calendar address's email: its value without
// "mailto:", else its EMAIL parameter.
func address(p *goical.Prop) string {
	v := strings.TrimSpace(p.Value)
	if len(v) > 7 && strings.EqualFold(v[:7], "mailto:") {
		return v[7:]
	}
	if e := p.Params.Get("EMAIL"); e != "" {
		return e
	}
	return v
}
