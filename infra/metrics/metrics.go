// Package metrics holds choucha's Prometheus instruments, served on /metrics.
package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/choucha/choucha/domain/event"
)

// Metrics is one registry per process (tests make their own).
type Metrics struct {
	Registry        *prometheus.Registry
	EventsAppended  prometheus.Counter
	CommandDuration *prometheus.HistogramVec
	CommandErrors   *prometheus.CounterVec
	RebuildSeconds  prometheus.Gauge
	RebuildEvents   prometheus.Gauge
	HTTPRequests    *prometheus.CounterVec
	ProjectionPos   prometheus.Gauge
}

func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		EventsAppended: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "choucha_events_appended_total", Help: "Events appended to the log (replayed commands append none).",
		}),
		CommandDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "choucha_command_duration_seconds", Help: "Command latency, decode to append.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 18),
		}, []string{"command"}),
		CommandErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "choucha_command_errors_total", Help: "Commands refused or failed, by error kind.",
		}, []string{"command", "kind"}),
		RebuildSeconds: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "choucha_rebuild_seconds", Help: "Time to rebuild the read models from the log at start.",
		}),
		RebuildEvents: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "choucha_rebuild_events", Help: "Events read to rebuild the read models at start.",
		}),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "choucha_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		ProjectionPos: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "choucha_projection_position", Help: "Last log position applied to the read models.",
		}),
	}
	m.Registry.MustRegister(m.EventsAppended, m.CommandDuration, m.CommandErrors, m.RebuildSeconds,
		m.RebuildEvents, m.HTTPRequests, m.ProjectionPos,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRebuild records a start-up rebuild.
func (m *Metrics) ObserveRebuild(events int, d time.Duration) {
	m.RebuildEvents.Set(float64(events))
	m.RebuildSeconds.Set(d.Seconds())
}

// Store counts appended events around any EventStore adapter.
func (m *Metrics) Store(s event.Store) event.Store { return countingStore{s, m} }

type countingStore struct {
	event.Store
	m *Metrics
}

func (c countingStore) Append(ctx context.Context, b event.Batch) (event.Result, error) {
	r, err := c.Store.Append(ctx, b)
	if err == nil && !r.Replayed {
		c.m.EventsAppended.Add(float64(len(r.Events)))
	}
	return r, err
}
