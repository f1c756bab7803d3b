package mail_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"lectern"
)

// scheduleEvent is an event of 6 December 2026, 08:30–10:00 UTC (09:30–11:00
// in Paris).
func scheduleEvent() *lectern.Event {
	owner := int64(5)
	return &lectern.Event{ID: 9, RecorderID: 1, Title: "Algèbre 1 <TD>", Series: "L1 Maths", OwnerID: &owner,
		Start: time.Date(2026, 12, 6, 8, 30, 0, 0, time.UTC), End: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
}

// dumpAlert is the golden form of a message without a treatment.
func dumpAlert(m *lectern.Message) string {
	return fmt.Sprintf("Kind: %s\nFrom: %s\nTo: %s\nSubject: %s\n\n--- text/plain ---\n%s--- text/html ---\n%s",
		m.Kind, m.From, strings.Join(m.To, ", "), m.Subject, m.Text, m.HTML)
}

// The owner's mail names the event, its title and its time.
func TestRenderEventGolden(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "fr"} {
		t.Run("new_recording_event_"+lang, func(t *testing.T) {
			t.Parallel()
			nm := newRecordingMail()
			nm.Event, nm.CourseTitle, nm.To = scheduleEvent(), scheduleEvent().Title, []string{"owner@univ.example"}
			m, err := renderer(lang, false).NewRecording(nm)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "new_recording_event_"+lang, dump(m))
		})
		for name, state := range map[string]string{"": "", "_capture_error": lectern.AgentCaptureError, "_agent": "capturing"} {
			t.Run("missed_recording_"+lang+name, func(t *testing.T) {
				t.Parallel()
				ev := scheduleEvent()
				ev.AgentState = state
				m, err := renderer(lang, false).MissedRecording(lectern.MissedRecordingMail{Event: ev,
					Recorder: &lectern.Recorder{ID: 1, Name: "Amphi A"}, To: []string{"manager@univ.example", "root@univ.example"}})
				if err != nil {
					t.Fatal(err)
				}
				if m.Kind != lectern.MessageMissedRecording || m.TreatmentID != nil {
					t.Errorf("kind %s, treatment %v", m.Kind, m.TreatmentID)
				}
				golden(t, "missed_recording_"+lang+name, dumpAlert(m))
			})
		}
	}
}
