package web

import (
	"context"

	"lectern"
	"lectern/locale"
)

// agentRow is a capture agent on its recorder's page: what it last
// reported, and when it last called.
type agentRow struct {
	Name, State, StateClass, Address string
	LastContact, StateAt             when
}

// agentStateClass is the badge of an agent's state.
var agentStateClass = map[string]string{
	lectern.AgentIdle: "done", lectern.AgentCapturing: "run", lectern.AgentUploading: "run",
	lectern.AgentError: "bad", lectern.AgentOffline: "off", lectern.AgentUnknown: "wait", "shutting_down": "off",
}

// recorderAgents lists the capture agents of rec (none without
// Deps.Agents).
func (s *Server) recorderAgents(ctx context.Context, p *locale.Printer, rec *lectern.Recorder) ([]agentRow, error) {
	if s.deps.Agents == nil {
		return nil, nil
	}
	agents, err := s.deps.Agents.FindAgents(ctx, &rec.ID)
	if err != nil {
		return nil, err
	}
	rows := make([]agentRow, 0, len(agents))
	for _, a := range agents {
		state, class := a.State, agentStateClass[a.State]
		if class != "" { // a state Opencast knows, which the catalogs name
			state = p.T("agent.state." + a.State)
		} else {
			class = "wait"
		}
		rows = append(rows, agentRow{Name: a.Name, State: state, StateClass: class, Address: a.Address,
			LastContact: moment(p, a.LastContact), StateAt: moment(p, a.StateAt)})
	}
	return rows, nil
}
