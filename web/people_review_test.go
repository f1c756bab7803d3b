package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A manager who may choose the owner posts the add form with someone of
// the directory as owner and a title the recording refuses: the form
// fails, and nobody's account is made (only a form that saves adopts).
func TestAddFormOwnerAdoptedOnlyWhenValid(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t, func(c *Config) { c.AllowRecorderManagerChoiceVidOwner = true })
	b.withDirectory(newDirectory())
	path := addPath("lecture.mp4", "", b.rec.ID)
	c := b.visitor("mgr")
	accounts := b.userCount()
	res := c.post(path, url.Values{"title": {strings.Repeat("t", 201)}, "source_file": {b.t.File}, "user": {"mdupont"}})
	want(t, res, http.StatusBadRequest)
	if len(b.allRecordings()) != 0 || b.userCount() != accounts {
		t.Errorf("a form refused for its title made %d account(s)", b.userCount()-accounts)
	}
}
