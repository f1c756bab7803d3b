package sqldb

// The treatment filters that know routing by schedule
// (lectern.TreatmentFilter.Member, For): a deposit recorded in an event
// someone owns is that owner's too (Member) or instead (For) of its
// recorder's people's.

const (
	// recorderMember selects the recorders user ? manages or helps with.
	recorderMember = `recorder_id IN (SELECT id FROM recorders WHERE user_id = ? UNION SELECT recorder_id FROM recorder_additional_users WHERE user_id = ?)`
	// ownedEvent selects the deposits recorded in an event user ? owns.
	ownedEvent = `event_id IN (SELECT id FROM events WHERE owner_id = ?)`
	// anyOwnedEvent selects the deposits recorded in an event with an
	// owner.
	anyOwnedEvent = `event_id IN (SELECT id FROM events WHERE owner_id IS NOT NULL)`
)

// treatmentMember adds the Member and For conditions of a treatment
// filter.
func treatmentMember(w *where, member, forUser *int64) {
	if member != nil {
		u := *member
		w.add("("+recorderMember+" OR "+ownedEvent+")", u, u, u)
	}
	if forUser != nil {
		u := *forUser
		w.add("(("+recorderMember+" AND (event_id IS NULL OR NOT "+anyOwnedEvent+")) OR "+ownedEvent+")", u, u, u)
	}
}
