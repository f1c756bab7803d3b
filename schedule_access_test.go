package lectern

import "testing"

func TestScheduleAccess(t *testing.T) {
	t.Parallel()
	manager, helper, owner, coowner, other := int64(1), int64(2), int64(3), int64(4), int64(5)
	rec := &Recorder{ID: 7, UserID: &manager, AdditionalUsers: []int64{helper}}
	ev := &Event{RecorderID: 7, OwnerID: &owner, AdditionalOwners: []int64{coowner}}
	for _, tc := range []struct {
		name              string
		u                 *User
		access            ScheduleAccess
		visible, editable bool
	}{
		{"anonymous", nil, ScheduleNone, false, false},
		{"superuser", &User{ID: 99, IsSuperuser: true}, ScheduleEdit, true, true},
		{"manager", &User{ID: manager}, ScheduleEdit, true, true},
		{"additional user", &User{ID: helper, IsStaff: true}, ScheduleView, true, false},
		{"owner", &User{ID: owner}, ScheduleNone, true, false},
		{"additional owner", &User{ID: coowner}, ScheduleNone, true, false},
		{"staff of another recorder", &User{ID: other, IsStaff: true}, ScheduleNone, false, false},
	} {
		if got := rec.ScheduleAccess(tc.u); got != tc.access {
			t.Errorf("%s: ScheduleAccess = %d, want %d", tc.name, got, tc.access)
		}
		if got := ev.VisibleTo(tc.u, rec); got != tc.visible {
			t.Errorf("%s: VisibleTo = %v, want %v", tc.name, got, tc.visible)
		}
		if got := ev.EditableBy(tc.u, rec); got != tc.editable {
			t.Errorf("%s: EditableBy = %v, want %v", tc.name, got, tc.editable)
		}
	}
	// A recorder without a manager: only superusers book it.
	if (&Recorder{}).ScheduleAccess(&User{ID: manager}) != ScheduleNone {
		t.Error("a recorder without a manager gave a user access")
	}
}
