package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"lectern"
)

// Store reads what the gauges show of the database, one query each, at
// every scrape (implemented by sqldb.StatsService).
type Store interface {
	// CountWaitingTreatments counts the treatments in each of states.
	CountWaitingTreatments(ctx context.Context, states []string) (map[string]int, error)
	// CountJobs counts the job queue's jobs by kind, then state.
	CountJobs(ctx context.Context) (map[string]map[string]int, error)
	// CountQueuedMessages counts the outbox's messages waiting for
	// delivery.
	CountQueuedMessages(ctx context.Context) (int, error)
}

// WaitingStates are the treatment states counted as waiting: a deposit
// that still needs something (a route, a manager, an assembly).
var WaitingStates = []string{lectern.TreatmentToNotify, lectern.TreatmentNotified, lectern.TreatmentToPublish,
	lectern.TreatmentToClaim, lectern.TreatmentToReport, lectern.TreatmentToAssemble, lectern.TreatmentAssembling}

// scrapeTimeout bounds the gauges' queries of one scrape.
const scrapeTimeout = 5 * time.Second

var (
	waitingDesc = prometheus.NewDesc("lectern_treatments_waiting",
		"Deposits waiting, by treatment state (read from the database: the same on every node).", []string{"state"}, nil)
	jobsDesc = prometheus.NewDesc("lectern_jobs",
		"Jobs in the queue, by kind and state (read from the database: the same on every node).", []string{"kind", "state"}, nil)
	backlogDesc = prometheus.NewDesc("lectern_outbox_backlog_messages",
		"Mail messages waiting in the outbox for delivery (read from the database: the same on every node).", nil, nil)
)

// storeCollector reads the database's gauges at each scrape. A query
// that fails is logged and its gauge left out of that scrape.
type storeCollector struct {
	store  Store
	logger *slog.Logger
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- waitingDesc
	ch <- jobsDesc
	ch <- backlogDesc
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	if n, err := c.store.CountWaitingTreatments(ctx, WaitingStates); err != nil {
		c.logger.Warn("metrics: count waiting treatments", "err", err)
	} else {
		for _, s := range WaitingStates {
			ch <- prometheus.MustNewConstMetric(waitingDesc, prometheus.GaugeValue, float64(n[s]), s)
		}
	}
	if jobs, err := c.store.CountJobs(ctx); err != nil {
		c.logger.Warn("metrics: count jobs", "err", err)
	} else {
		for kind, states := range jobs {
			for state, n := range states {
				ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), kind, state)
			}
		}
	}
	if n, err := c.store.CountQueuedMessages(ctx); err != nil {
		c.logger.Warn("metrics: count queued messages", "err", err)
	} else {
		ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(n))
	}
}
