package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserSchedulesJourney: issue 15's schedules by hand. A
// recorder's manager opens its week view from the recorders' page, books
// two events from the days' "+" (one by its end, one by its duration,
// each for a teacher picked in the people picker); a third overlapping
// the first is refused with the event in the way named next to the
// times, and nothing is saved; the manager moves the first and deletes
// the second after a confirmation naming it. The teacher then finds
// their event, read-only, under "Schedules".
func TestBrowserSchedulesJourney(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	_, s, _ := managerSite(t, "10.1.2.15", "mmartin", "Marc", "Martin")

	j := newJourney(t, "15-schedules", s)
	j.open("/accounts/login/")
	j.login("jdupont", "pw-jdupont")
	j.open("/recorders/")
	j.shot("recorders", true, "")
	var week string
	j.eval(`document.querySelector(".recorder-card a[href$='/schedule/']").getAttribute("href")`, &week)
	week += "?week=2037-12-14"
	j.open(week)
	j.wantText("Schedule of Amphi A", "Week of 14 Dec 2037", "Mon 14 Dec", "Sun 20 Dec")

	// book fills the form of day (Monday is 1) from its "+".
	book := func(day int, title, start, end, duration string) {
		j.t.Helper()
		j.run("open the add form of day "+fmt.Sprint(day), 20*time.Second,
			chromedp.Click(fmt.Sprintf(`section.week-day:nth-of-type(%d) a.week-add`, day), chromedp.ByQuery),
			chromedp.WaitReady("#id_title", chromedp.ByQuery))
		j.run("fill "+title, 20*time.Second,
			setValues(map[string]string{"#id_title": title, "#id_start": start, "#id_end": end, "#id_duration": duration,
				"#id_series": "Maths L1"}),
			pickPerson("#id_owner", "mmartin"))
		j.submit("save "+title, `form.form .form-actions button[type=submit]`)
	}
	book(1, "Algebra 1", "10:00", "12:00", "")
	if p := j.path(); p != strings.TrimPrefix(week, j.srv.url) {
		j.fatal("booked", fmt.Errorf("at %s, want the week view", p))
	}
	j.wantText("The event “Algebra 1” was saved.", "10:00–12:00", "Marc Martin")
	book(3, "Physics 2", "14:00", "", "1:30")
	j.wantText("Physics 2", "14:00–15:30", "2 events this week")
	j.shot("schedule-week", true, "")

	// An overlap: refused next to the times, nothing saved.
	book(1, "Algebra 2", "11:00", "13:00", "")
	j.wantText("Overlaps “Algebra 1”, Mon 14 Dec 10:00–12:00.")
	var invalid bool
	j.eval(`!!document.querySelector("#error-times")`, &invalid)
	if !invalid {
		j.fatal("overlap", fmt.Errorf("the message is not next to the times"))
	}
	j.snap("event-conflict-en-1280")
	j.open(week)
	j.wantText("2 events this week")
	if strings.Contains(j.text(), "Algebra 2") {
		j.fatal("overlap", fmt.Errorf("the refused event was saved"))
	}

	// Edit the first: a new title, an earlier end.
	j.run("open Algebra 1", 20*time.Second,
		chromedp.Click(`.week-event a.week-event-link`, chromedp.ByQuery), chromedp.WaitReady("#id_title", chromedp.ByQuery))
	j.shot("event-edit", true, "")
	j.run("change Algebra 1", 10*time.Second, setValues(map[string]string{"#id_title": "Algebra 1 (Amphi B)", "#id_end": "11:30"}))
	j.submit("save the change", `form.form .form-actions button[type=submit]`)
	j.wantText("The event “Algebra 1 (Amphi B)” was saved.", "10:00–11:30")

	// Delete the second, after a confirmation naming it.
	j.run("open Physics 2", 20*time.Second,
		chromedp.Click(`section.week-day:nth-of-type(3) a.week-event-link`, chromedp.ByQuery), chromedp.WaitReady("#id_title", chromedp.ByQuery))
	var del string
	j.eval(`document.querySelector(".page-head a.button-danger").getAttribute("href")`, &del)
	j.open(del)
	j.wantText("Delete the event “Physics 2”, Wed 16 Dec 14:00–15:30?")
	j.shot("event-delete", true, "")
	j.submit("delete", `form button.button-danger`)
	j.wantText("The event “Physics 2” was deleted.", "1 event this week")
	if strings.Contains(j.text(), "Physics 2</") {
		j.fatal("delete", fmt.Errorf("Physics 2 is still shown"))
	}
	j.open(strings.Replace(week, "?week=2037-12-14", "list/", 1))
	j.wantText("Algebra 1 (Amphi B)", "1 upcoming event")
	j.shot("schedule-list", true, "")
	j.logout()

	// The teacher sees it, read-only, under "Schedules".
	j.open("/accounts/login/")
	j.login("mmartin", "pw-mmartin")
	j.open("/")
	j.run("the dashboard's schedule tile", 20*time.Second, chromedp.Click(`a[data-tile="schedule"]`, chromedp.ByQuery),
		waitJS(`location.pathname === "/schedule/" && document.readyState === "complete" && document.querySelector("#my-events")`))
	j.wantText("My upcoming events", "Algebra 1 (Amphi B)", "Mon 14 Dec 10:00–11:30", "Amphi A")
	var editLinks int
	j.eval(`document.querySelectorAll("a[href*='/edit/']").length`, &editLinks)
	if editLinks != 0 {
		j.fatal("my schedule", fmt.Errorf("the owner is offered to edit"))
	}
	j.shot("my-schedule", true, "")
}

// setValues sets form fields' values (empty ones too), by selector.
func setValues(values map[string]string) chromedp.Action {
	var js strings.Builder
	js.WriteString("(function () {")
	for sel, v := range values {
		fmt.Fprintf(&js, "document.querySelector(%q).value = %q;", sel, v)
	}
	js.WriteString("return true; })()")
	return waitJS(js.String())
}
