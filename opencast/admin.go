package opencast

import (
	"fmt"
	"net/http"
	"slices"

	"lectern"
)

// agentStates are the states an agent may report for itself (Opencast's
// AgentState).
var agentStates = []string{lectern.AgentIdle, lectern.AgentCapturing, lectern.AgentUploading, lectern.AgentOffline,
	lectern.AgentUnknown, lectern.AgentError, "shutting_down"}

// recordingStates are the states an agent may report for a recording
// (Opencast's RecordingState).
var recordingStates = []string{"unknown", "capturing", "capture_finished", "capture_error", "manifest", "manifest_error",
	"manifest_finished", "compressing", "compressing_error", "uploading", "upload_finished", "upload_error"}

// handleAgentState serves POST /capture-admin/agents/{name} (fields
// state and address): the agent's own state, stored and shown on its
// recorder's page.
func (s *Server) handleAgentState(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	rec, ok := s.agent(w, r, name)
	if !ok || !s.parseForm(w, r) {
		return
	}
	state, address := r.PostFormValue("state"), r.PostFormValue("address")
	if !slices.Contains(agentStates, state) {
		http.Error(w, fmt.Sprintf("Unknown agent state %q: one of %v.", clip(state), agentStates), http.StatusBadRequest)
		return
	}
	if !validField(address) {
		http.Error(w, "The address must be at most 1024 characters, without control characters.", http.StatusBadRequest)
		return
	}
	a := &lectern.CaptureAgent{Name: name, RecorderID: rec.ID, State: state, Address: address, LastContact: s.now().UTC()}
	if err := s.deps.Agents.SaveAgentState(r.Context(), a); err != nil {
		s.log.Error("capture agent: save state", "agent", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	s.log.Debug("capture agent state", "agent", name, "recorder_id", rec.ID, "state", state)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "%s set to %s", name, state)
}

// handleAgentConfiguration serves POST
// /capture-admin/agents/{name}/configuration (field configuration: Java
// properties as text or XML, or a JSON object), which admins see.
func (s *Server) handleAgentConfiguration(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	rec, ok := s.agent(w, r, name)
	if !ok || !s.parseForm(w, r) {
		return
	}
	cfg, err := parseConfiguration(r.PostFormValue("configuration"))
	if err != nil {
		http.Error(w, "The configuration cannot be read: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := s.deps.Agents.SaveAgentConfiguration(r.Context(), name, rec.ID, cfg); err != nil {
		s.log.Error("capture agent: save configuration", "agent", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	writeJSON(w, cfg)
}

// handleRecordingState serves POST /capture-admin/recordings/{id} (field
// state): the state of the recording of event id (its UID), stored on the
// event. An event of another recorder is not found, as an unknown one.
func (s *Server) handleRecordingState(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.auth.Recorder(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	id, state := r.PathValue("id"), r.PostFormValue("state")
	if !slices.Contains(recordingStates, state) {
		http.Error(w, fmt.Sprintf("Unknown recording state %q: one of %v.", clip(state), recordingStates), http.StatusBadRequest)
		return
	}
	ev, err := s.deps.Events.FindEventByUID(r.Context(), id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND || (err == nil && ev.RecorderID != rec.ID) {
		if err == nil {
			s.log.Warn("capture agent refused: recording state for another recorder's event", "recorder", rec.Name,
				"event_id", ev.ID, "remote_addr", r.RemoteAddr)
		}
		http.Error(w, "No recording "+clip(id)+" for this agent.", http.StatusNotFound)
		return
	} else if err != nil {
		s.log.Error("capture agent: find event", "uid", clip(id), "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	now := s.now().UTC()
	if err := s.deps.Events.SetEventAgentState(r.Context(), ev.ID, state, now); err != nil {
		s.log.Error("capture agent: save recording state", "event_id", ev.ID, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	if err := s.deps.Agents.TouchAgent(r.Context(), AgentName(rec), rec.ID, now); err != nil {
		s.log.Warn("capture agent: record contact", "recorder", rec.Name, "err", err)
	}
	s.log.Info("capture agent recording state", "recorder", rec.Name, "event_id", ev.ID, "state", state)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "%s set to %s", ev.UID, state)
}

// clip shortens what a client sent, for a message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
