package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Project is the instruments of `choucha project` (distributed mode), served on its own
// /metrics: how far each read model is behind the log, and how often ClickHouse refused.
type Project struct {
	Registry    *prometheus.Registry
	Head        prometheus.Gauge     // last position of the log seen
	Position    prometheus.Gauge     // last position read and applied (sent or buffered)
	Batches     prometheus.Counter   // batches sent (every projector flushed, offsets recorded)
	SendRetries prometheus.Counter   // flushes retried because ClickHouse did not take a batch
	Applied     prometheus.Counter   // events applied after the stored offsets
	Lag         *prometheus.GaugeVec // per projector: head − its stored offset
}

func NewProject() *Project {
	p := &Project{
		Registry: prometheus.NewRegistry(),
		Head:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "choucha_project_log_head", Help: "Last log position the projector has seen."}),
		Position: prometheus.NewGauge(prometheus.GaugeOpts{Name: "choucha_project_position", Help: "Last log position applied to the projectors."}),
		Batches:  prometheus.NewCounter(prometheus.CounterOpts{Name: "choucha_project_batches_total", Help: "Batches sent to ClickHouse (offsets recorded after each)."}),
		SendRetries: prometheus.NewCounter(prometheus.CounterOpts{Name: "choucha_project_send_retries_total",
			Help: "Batches ClickHouse did not take and that were retried (down, restarting, timing out)."}),
		Applied: prometheus.NewCounter(prometheus.CounterOpts{Name: "choucha_project_events_applied_total", Help: "Events applied after the stored offsets."}),
		Lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "choucha_project_lag_events",
			Help: "Events of the log not yet recorded as sent, per projector (read model)."}, []string{"projector"}),
	}
	p.Registry.MustRegister(p.Head, p.Position, p.Batches, p.SendRetries, p.Applied, p.Lag,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return p
}
