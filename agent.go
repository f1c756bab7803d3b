package lectern

import (
	"context"
	"time"
)

// Capture agent states, as Opencast's capture-admin service knows them
// (an agent reports its own; Lectern shows them).
const (
	AgentIdle      = "idle"
	AgentCapturing = "capturing"
	AgentUploading = "uploading"
	AgentOffline   = "offline"
	AgentUnknown   = "unknown"
	AgentError     = "error"
)

// CaptureAgent is a recorder speaking the Opencast capture-agent protocol
// (pyCA, Galicaster, an Extron SMP, an Epiphan Pearl): it logs in with its
// recorder's credentials and reports its state under its agent name.
type CaptureAgent struct {
	Name       string `json:"name"`
	RecorderID int64  `json:"recorder"`
	State      string `json:"state"`   // as the agent reported it
	Address    string `json:"address"` // the agent's own URL or address, as reported
	// Configuration is the agent's last reported configuration (Opencast's
	// capture.device.names and the like), shown to admins.
	Configuration map[string]string `json:"configuration"`
	// LastContact is the last request the agent made (UTC), whatever it
	// was: "my recorder doesn't send anything" starts here.
	LastContact time.Time `json:"last_contact"`
	StateAt     time.Time `json:"state_at"` // when State was reported
}

// CaptureAgentService stores capture agents. An agent's row is made the
// first time it reports; it is removed with its recorder.
type CaptureAgentService interface {
	// SaveAgentState records the agent's state and address (and contact),
	// creating its row on first report.
	SaveAgentState(ctx context.Context, a *CaptureAgent) error
	// SaveAgentConfiguration replaces the agent's configuration.
	SaveAgentConfiguration(ctx context.Context, name string, recorderID int64, cfg map[string]string) error
	// TouchAgent records a contact without a state (a calendar poll, an
	// ingest).
	TouchAgent(ctx context.Context, name string, recorderID int64, at time.Time) error
	// FindAgent returns ENOTFOUND when no agent has that name.
	FindAgent(ctx context.Context, name string) (*CaptureAgent, error)
	// FindAgents returns the agents of a recorder (nil: all), by name.
	FindAgents(ctx context.Context, recorderID *int64) ([]*CaptureAgent, error)
}
