package web

import (
	"net/http"
	"strings"
)

// routes registers every page. Access levels wrap the handlers: login
// (any active user), staff, superuser.
func (s *Server) routes() {
	m := s.mux
	m.Handle("GET /{$}", s.login(s.handleDashboard))

	m.HandleFunc("GET /accounts/login/{$}", s.handleLoginForm)
	m.HandleFunc("POST /accounts/login/{$}", s.handleLogin)
	m.HandleFunc("POST /accounts/logout/{$}", s.handleLogout)
	m.HandleFunc("GET /accounts/logout/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	// Pod's own login and logout URLs: the login page; a logout by link
	// only goes home (a POST of the layout's button logs out).
	m.HandleFunc("GET /authentication_login/{$}", s.handlePodLogin)
	m.HandleFunc("GET /authentication_logout/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	m.HandleFunc("POST /i18n/setlang/{$}", s.handleSetLanguage)

	m.Handle("GET /recorders/{$}", s.staff(s.handleRecorderList))
	m.Handle("GET /recorders/{id}/{$}", s.staff(s.handleRecorderShow))
	// The people pickers' search; it checks who may pick itself.
	m.HandleFunc("GET /people/search.json", s.handlePeopleSearch)

	m.Handle("GET /admin/{$}", s.superuser(s.handleAdminIndex))

	m.Handle("GET /admin/recorders/{$}", s.superuser(s.handleAdminRecorderList))
	m.Handle("GET /admin/recorders/add/{$}", s.superuser(s.handleAdminRecorderAdd))
	m.Handle("POST /admin/recorders/add/{$}", s.superuser(s.handleAdminRecorderSave))
	m.Handle("GET /admin/recorders/{id}/change/{$}", s.superuser(s.handleAdminRecorderChange))
	m.Handle("POST /admin/recorders/{id}/change/{$}", s.superuser(s.handleAdminRecorderSave))
	m.Handle("GET /admin/recorders/{id}/delete/{$}", s.superuser(s.handleAdminRecorderDelete))
	m.Handle("POST /admin/recorders/{id}/delete/{$}", s.superuser(s.handleAdminRecorderDelete))

	m.Handle("GET /admin/types/{$}", s.superuser(s.handleAdminTypeList))
	m.Handle("GET /admin/types/add/{$}", s.superuser(s.handleAdminTypeForm))
	m.Handle("POST /admin/types/add/{$}", s.superuser(s.handleAdminTypeForm))
	m.Handle("GET /admin/types/{id}/change/{$}", s.superuser(s.handleAdminTypeForm))
	m.Handle("POST /admin/types/{id}/change/{$}", s.superuser(s.handleAdminTypeForm))
	m.Handle("GET /admin/types/{id}/delete/{$}", s.superuser(s.handleAdminTypeDelete))
	m.Handle("POST /admin/types/{id}/delete/{$}", s.superuser(s.handleAdminTypeDelete))

	m.Handle("GET /admin/users/{$}", s.superuser(s.handleAdminUserList))
	m.Handle("GET /admin/users/add/{$}", s.superuser(s.handleAdminUserForm))
	m.Handle("POST /admin/users/add/{$}", s.superuser(s.handleAdminUserForm))
	m.Handle("GET /admin/users/{id}/change/{$}", s.superuser(s.handleAdminUserForm))
	m.Handle("POST /admin/users/{id}/change/{$}", s.superuser(s.handleAdminUserForm))
	m.Handle("GET /admin/users/{id}/delete/{$}", s.superuser(s.handleAdminUserDelete))
	m.Handle("POST /admin/users/{id}/delete/{$}", s.superuser(s.handleAdminUserDelete))

	m.Handle("GET /admin/groups/{$}", s.superuser(s.handleAdminGroupList))
	m.Handle("GET /admin/groups/add/{$}", s.superuser(s.handleAdminGroupAdd))
	m.Handle("POST /admin/groups/add/{$}", s.superuser(s.handleAdminGroupAdd))
	m.Handle("GET /admin/groups/{id}/change/{$}", s.superuser(s.handleAdminGroupChange))
	m.Handle("POST /admin/groups/{id}/change/{$}", s.superuser(s.handleAdminGroupChange))
	m.Handle("GET /admin/groups/{id}/delete/{$}", s.superuser(s.handleAdminGroupDelete))
	m.Handle("POST /admin/groups/{id}/delete/{$}", s.superuser(s.handleAdminGroupDelete))

	// The deposit pages exist once their services are given.
	if s.deps.Treatments != nil {
		m.Handle("GET /admin/treatments/{$}", s.superuser(s.handleAdminTreatmentList))
		m.Handle("GET /admin/treatments/{id}/{$}", s.superuser(s.handleAdminTreatmentShow))
		m.Handle("GET /admin/treatments/delete/{$}", s.superuser(s.handleAdminTreatmentDelete))
		m.Handle("POST /admin/treatments/delete/{$}", s.superuser(s.handleAdminTreatmentDelete))
	}
	if s.deps.RecordingFiles != nil {
		m.Handle("GET /admin/recording-files/{$}", s.superuser(s.handleAdminRecordingFileList))
	}

	// Pod's recorder pages: the notify URL recorders call, the add form
	// the manager's email links to, the claim list.
	if s.deps.Notifier != nil {
		for _, path := range notifyPaths {
			pattern := path
			if strings.HasSuffix(path, "/") {
				pattern += "{$}" // that path only, not the folder below
			}
			m.HandleFunc(pattern, s.handleNotify)
			s.ExemptCSRF(path)
		}
	}
	if s.deps.Treatments != nil && s.deps.Recordings != nil {
		for _, path := range []string{"/record/add_recording/{$}", "/mediacourses_add/{$}"} {
			m.Handle("GET "+path, s.staff(s.handleRecordAdd))
			m.Handle("POST "+path, s.staff(s.handleRecordAdd))
		}
		m.Handle("GET /record/delete_record/{id}/{$}", s.superuser(s.handleRecordDelete))
		m.Handle("POST /record/delete_record/{id}/{$}", s.superuser(s.handleRecordDelete))
		m.Handle("GET /record/thumbnail/{name}", s.staff(s.handleRecordThumbnail))
		// The deposits waiting for the user, and their bulk actions.
		m.Handle("GET /record/waiting/{$}", s.staff(s.handleRecordWaitingList))
		m.Handle("POST /record/waiting/publish/{$}", s.staff(s.handleRecordWaitingPublish))
		m.Handle("POST /record/waiting/delete/{$}", s.staff(s.handleRecordWaitingDelete))
		// A recording's progress, polled by its dashboard entry.
		m.HandleFunc("GET /record/recordings/{id}/status.json", s.handleRecordingStatus)
		if s.claimListOn() {
			m.Handle("GET /record/claim_record/{$}", s.staff(s.handleRecordClaimList))
		}
		if s.cfg.UseRecordPreview {
			m.Handle("GET /"+s.cfg.PublicRecordDir+"/{path...}", s.staff(s.handleRecordPreview))
		}
	}
	if s.cfg.UseCAS && !s.cfg.NativeCAS {
		// The links Pod mailed go through the CAS login; until Lectern
		// speaks CAS, the local login takes them, keeping next.
		m.HandleFunc("GET /sso-cas/login/{$}", s.handleCASLogin)
	}
	if s.deps.Feeds != nil && s.deps.FeedImporter != nil {
		// A recorder's iCalendar feeds, for superusers and its manager.
		m.Handle("GET /recorders/{id}/feeds/{$}", s.login(s.handleFeedList))
		m.Handle("GET /recorders/{id}/feeds/add/{$}", s.login(s.handleFeedForm))
		m.Handle("POST /recorders/{id}/feeds/add/{$}", s.login(s.handleFeedForm))
		m.Handle("GET /recorders/{id}/feeds/{feed}/{$}", s.login(s.handleFeedShow))
		m.Handle("GET /recorders/{id}/feeds/{feed}/change/{$}", s.login(s.handleFeedForm))
		m.Handle("POST /recorders/{id}/feeds/{feed}/change/{$}", s.login(s.handleFeedForm))
		m.Handle("GET /recorders/{id}/feeds/{feed}/delete/{$}", s.login(s.handleFeedDelete))
		m.Handle("POST /recorders/{id}/feeds/{feed}/delete/{$}", s.login(s.handleFeedDelete))
		m.Handle("POST /recorders/{id}/feeds/{feed}/import/{$}", s.login(s.handleFeedImport))
		m.Handle("POST /recorders/{id}/feeds/{feed}/upload/{$}", s.login(s.handleFeedUpload))
	}
	if s.deps.Messages != nil {
		m.Handle("GET /admin/outbox/{$}", s.superuser(s.handleAdminOutboxList))
		m.Handle("GET /admin/outbox/{id}/{$}", s.superuser(s.handleAdminOutboxShow))
		m.Handle("GET /admin/outbox/{id}/html/{$}", s.superuser(s.handleAdminOutboxHTML))
		m.Handle("POST /admin/outbox/{id}/requeue/{$}", s.superuser(s.handleAdminOutboxRequeue))
	}

	if s.deps.Videos != nil {
		// A video's page takes "<id>-<slug>" or "<id>"; the wrong slug
		// redirects to the right one.
		m.HandleFunc("GET /video/{ref}/{$}", s.handleVideoShow)
		m.HandleFunc("POST /video/{ref}/{$}", s.handleVideoUnlock)
		m.HandleFunc("GET /video/{ref}/status.json", s.handleVideoStatus)
		m.HandleFunc("GET /media/videos/{ref}/{path...}", s.handleVideoMedia)
		// A video's managers edit and delete it; everyone lists theirs.
		m.Handle("GET /video/my/{$}", s.login(s.handleVideoMine))
		m.Handle("GET /video/{ref}/edit/{$}", s.login(s.handleVideoEdit))
		m.Handle("POST /video/{ref}/edit/{$}", s.login(s.handleVideoEdit))
		m.Handle("GET /video/{ref}/delete/{$}", s.login(s.handleVideoDelete))
		m.Handle("POST /video/{ref}/delete/{$}", s.login(s.handleVideoDelete))
		m.Handle("GET /admin/videos/{$}", s.superuser(s.handleAdminVideoList))
	}
	if s.deps.Events != nil {
		// Schedules: who may see and change one is the core's rule
		// (lectern.Recorder.ScheduleAccess), checked by each handler.
		m.Handle("GET /schedule/{$}", s.login(s.handleScheduleMine))
		m.Handle("GET /recorders/{id}/schedule/{$}", s.login(s.handleScheduleWeek))
		m.Handle("GET /recorders/{id}/schedule/list/{$}", s.login(s.handleScheduleList))
		m.Handle("GET /recorders/{id}/schedule/add/{$}", s.login(s.handleEventAdd))
		m.Handle("POST /recorders/{id}/schedule/add/{$}", s.login(s.handleEventAdd))
		m.Handle("GET /schedule/events/{id}/edit/{$}", s.login(s.handleEventEdit))
		m.Handle("POST /schedule/events/{id}/edit/{$}", s.login(s.handleEventEdit))
		m.Handle("GET /schedule/events/{id}/delete/{$}", s.login(s.handleEventDelete))
		m.Handle("POST /schedule/events/{id}/delete/{$}", s.login(s.handleEventDelete))
	}
	if s.deps.Recordings != nil {
		m.Handle("GET /admin/recordings/{$}", s.superuser(s.handleAdminRecordingList))
		m.Handle("GET /admin/recordings/{id}/{$}", s.superuser(s.handleAdminRecordingShow))
	}
	if s.deps.Jobs != nil {
		m.Handle("GET /admin/jobs/{$}", s.superuser(s.handleAdminJobList))
		m.Handle("GET /admin/jobs/{id}/{$}", s.superuser(s.handleAdminJobShow))
		m.Handle("POST /admin/jobs/{id}/cancel/{$}", s.superuser(s.handleAdminJobCancel))
		m.Handle("POST /admin/jobs/{id}/retry/{$}", s.superuser(s.handleAdminJobRetry))
		if s.deps.Videos != nil {
			m.Handle("GET /admin/videos/{id}/encode/{$}", s.superuser(s.handleAdminVideoEncodeConfirm))
			m.Handle("POST /admin/videos/{id}/encode/{$}", s.superuser(s.handleAdminVideoEncode))
			m.HandleFunc("POST /video/{ref}/thumbnail/{$}", s.handleVideoThumbnail)
		}
	}

	m.HandleFunc("/", s.handleNotFound)
}

// handleNotFound answers unknown paths with the 404 page. (The mux itself
// redirects a path missing its trailing slash to the page that has one.)
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusNotFound, "")
}
