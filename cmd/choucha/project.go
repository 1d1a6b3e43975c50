package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/clickhouse"
	"github.com/choucha/choucha/infra/eventlog"
	"github.com/choucha/choucha/infra/metrics"
)

// projectConfig is what `choucha project` runs with.
type projectConfig struct {
	Brokers    []string
	Topic      string // event topic; "" = eventlog's default
	ClickHouse string
	Database   string
	Batch      int              // events per Flush (and rows per ClickHouse batch)
	Once       bool             // exit after catching up
	Rebuild    bool             // drop the stored offset and the table contents, replay from 1
	Poll       time.Duration    // how often to look for new events when not Once
	Linger     time.Duration    // the longest an event waits for its batch to fill before it is sent
	RetryFor   time.Duration    // with Once: how long to retry a batch ClickHouse does not take
	Metrics    *metrics.Project // nil: not observed
}

// The defaults of `choucha project` (the benchmarks use them too).
const (
	defaultProjectBatch = 20000
	defaultLinger       = time.Second
	defaultPoll         = 500 * time.Millisecond
)

// projectStats is what one run did (for logs and tests).
type projectStats struct {
	Resumed  uint64 // the stored offset the run started after
	Applied  int    // events applied after the lowest stored offset
	Batches  int    // Flush calls
	Position uint64 // last applied position
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// runProject fills the ClickHouse read models from the Kafka event log (distributed mode).
func runProject(args []string, _, stderr io.Writer) int {
	fs := flag.NewFlagSet("project", flag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.String("kafka", os.Getenv("CHOUCHA_KAFKA_BROKERS"), "Kafka bootstrap brokers host:port[,…] (default $CHOUCHA_KAFKA_BROKERS)")
	topic := fs.String("topic", "", "event topic (default choucha.events)")
	addr := fs.String("clickhouse", os.Getenv("CHOUCHA_CLICKHOUSE_ADDR"), "ClickHouse native address host:port (default $CHOUCHA_CLICKHOUSE_ADDR)")
	db := fs.String("clickhouse-db", clickhouse.DefaultDatabase, "database")
	batch := fs.Int("batch", defaultProjectBatch, "events per batch at most (a Flush, then the offsets are recorded)")
	linger := fs.Duration("linger", defaultLinger, "the longest an event waits for its batch to fill (without --once)")
	once := fs.Bool("once", false, "exit after catching up with the log")
	rebuild := fs.Bool("rebuild", false, "drop the projector's offset and the disclosures rows, then replay the log from position 1")
	poll := fs.Duration("poll", defaultPoll, "how often to look for new events (without --once)")
	retry := fs.Duration("retry", time.Minute, "with --once: how long to retry a batch ClickHouse does not take (without --once: for ever)")
	metricsAddr := fs.String("metrics", "", "serve Prometheus metrics (lag per read model, retries) on http://ADDR/metrics, e.g. 127.0.0.1:9464")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := projectConfig{Brokers: splitList(*brokers), Topic: *topic, ClickHouse: *addr, Database: *db,
		Batch: *batch, Once: *once, Rebuild: *rebuild, Poll: *poll, Linger: *linger, RetryFor: *retry}
	if len(cfg.Brokers) == 0 || cfg.ClickHouse == "" || cfg.Batch <= 0 || cfg.Poll <= 0 || cfg.Linger < 0 {
		fmt.Fprintln(stderr, "project: --kafka and --clickhouse are required (or CHOUCHA_KAFKA_BROKERS and CHOUCHA_CLICKHOUSE_ADDR); --batch and --poll must be > 0, --linger ≥ 0")
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg.Metrics = metrics.NewProject()
	if *metricsAddr != "" {
		ln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			log.Error("project: metrics listener", "err", err)
			return 1
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(cfg.Metrics.Registry, promhttp.HandlerOpts{}))
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		log.Info("project: metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	}
	if _, err := project(ctx, cfg, log); err != nil && !(errors.Is(err, context.Canceled) && ctx.Err() != nil) {
		log.Error("project failed", "err", err)
		return 1
	}
	return 0
}

// errPendingMigrations: the read-model schema is behind this binary.
var errPendingMigrations = errors.New("clickhouse migrations are pending: run `choucha migrate` first")

// openReader opens the Kafka event log read-only: no writer election, no appends.
func openReader(ctx context.Context, brokers []string, topic string) (*eventlog.KafkaStore, error) {
	return eventlog.OpenKafka(ctx, eventlog.KafkaConfig{Brokers: brokers, Topic: topic, ReadOnly: true})
}

// projectors are the read models `choucha project` fills, each with its own stored offset.
func projectors(conn driver.Conn, batch int) []clickhouse.Projector {
	return []clickhouse.Projector{
		clickhouse.NewDisclosureProjector(conn, batch),
		clickhouse.NewPlansProjector(conn, batch),
		clickhouse.NewInspectionsProjector(conn, time.Now, batch),
	}
}

// project runs the ClickHouse projectors over the log: each resumes after its stored offset
// (the stateful ones fold the events before it into memory without writing, so the log is
// read from position 1), Flush every cfg.Batch events and at the end of every catch-up (each
// projector records its offset only after its batch was sent), then exit (Once) or poll until
// ctx ends. A batch that cannot be sent (ClickHouse down or restarting) is retried with
// backoff, for ever when polling and for cfg.RetryFor with Once; events are never skipped.
//
// Rebuild deletes the projectors' offsets first (and waits until the mutation is visible),
// then truncates their tables, then replays from position 1: a crash in between leaves no
// offset, so the next run replays everything (re-inserting rows is idempotent in the
// ReplacingMergeTree tables). The queries see emptied tables until the replay is done.
func project(ctx context.Context, cfg projectConfig, log *slog.Logger) (projectStats, error) {
	var st projectStats
	conn, err := clickhouse.Open(ctx, clickhouse.Config{Addr: cfg.ClickHouse, Database: cfg.Database})
	if err != nil {
		return st, err
	}
	defer conn.Close()
	pending, err := clickhouse.Pending(ctx, conn)
	if err != nil {
		return st, err
	}
	if len(pending) > 0 {
		return st, fmt.Errorf("%w (%d pending, first %d %s)", errPendingMigrations, len(pending), pending[0].Version, pending[0].Name)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.NewProject() // observed by no one
	}
	m := cfg.Metrics
	ps := projectors(conn, cfg.Batch)
	if cfg.Rebuild {
		for _, p := range ps {
			if err := dropProjection(ctx, conn, p); err != nil {
				return st, err
			}
			log.Info("rebuild: offset and tables dropped", "projector", p.Name(), "tables", p.Tables())
		}
	}
	st.Resumed = ^uint64(0)
	for _, p := range ps {
		pos, err := p.Start(ctx)
		if err != nil {
			return st, err
		}
		st.Resumed = min(st.Resumed, pos)
	}

	start := time.Now()
	store, err := openReader(ctx, cfg.Brokers, cfg.Topic)
	if err != nil {
		return st, err
	}
	defer store.Close()
	head, err := store.Head(ctx)
	if err != nil {
		return st, err
	}
	m.Head.Set(float64(head))
	m.Position.Set(float64(st.Resumed))
	for _, p := range ps {
		pos, _ := clickhouse.Offset(ctx, conn, p.Name())
		m.Lag.WithLabelValues(p.Name()).Set(float64(head - min(head, pos)))
	}
	log.Info("project: started", "projectors", len(ps), "resume_after", st.Resumed, "head", head,
		"lag", head-min(head, st.Resumed), "open_seconds", time.Since(start).Seconds())

	// A batch is sent when it holds cfg.Batch events or its first event waited cfg.Linger:
	// few, large inserts under load (what ClickHouse wants), and at most about Linger+Poll of
	// delay for the public pages when the log is quiet.
	unflushed, since := 0, time.Time{}
	flush := func(ctx context.Context) error {
		st.Batches++
		if err := flushAll(ctx, ps, cfg, log); err != nil {
			return err
		}
		unflushed, since = 0, time.Time{}
		m.Batches.Inc()
		head, _ := store.Head(ctx)
		m.Head.Set(float64(head))
		for _, p := range ps { // every projector has recorded st.Position now
			m.Lag.WithLabelValues(p.Name()).Set(float64(head - min(head, st.Position)))
		}
		return nil
	}
	read := uint64(0) // last position read in this process
	for {
		t0 := time.Now()
		n := 0
		err := store.ReadFrom(ctx, read+1, func(e event.Envelope) error {
			for _, p := range ps {
				if err := p.Apply(e); err != nil {
					if !errors.Is(err, clickhouse.ErrSend) {
						return fmt.Errorf("projection %s at position %d (%s %s@%d): %w", p.Name(), e.Position, e.Type, e.Stream, e.Version, err)
					}
					// The event is folded in; only its batch is unsent. Send it again.
					if err := flushAll(ctx, ps, cfg, log); err != nil {
						return err
					}
				}
			}
			read = e.Position
			if e.Position <= st.Resumed {
				return nil
			}
			st.Position = e.Position
			n++
			m.Applied.Inc()
			m.Position.Set(float64(e.Position))
			if unflushed++; unflushed == 1 {
				since = time.Now()
			}
			if unflushed >= cfg.Batch {
				return flush(ctx)
			}
			return nil
		})
		if err == nil && unflushed > 0 && (cfg.Once || time.Since(since) >= cfg.Linger) {
			err = flush(ctx)
		}
		st.Applied += n
		if err != nil && ctx.Err() != nil {
			return stopProjecting(ctx, ps, cfg, log, st) // stopped mid-read or mid-send
		}
		if err != nil {
			return st, err
		}
		st.Position = max(st.Position, st.Resumed)
		if n > 0 {
			head, _ := store.Head(ctx)
			took := time.Since(t0)
			log.Info("project: caught up", "events", n, "position", st.Position, "lag", head-min(head, st.Position),
				"batches", st.Batches, "seconds", took.Seconds(), "events_per_second", float64(n)/max(took.Seconds(), 1e-9))
		}
		if cfg.Once {
			log.Info("project: done", "applied", st.Applied, "position", st.Position, "batches", st.Batches,
				"seconds", time.Since(start).Seconds())
			return st, nil
		}
		wait := cfg.Poll
		if unflushed > 0 {
			wait = max(0, min(wait, cfg.Linger-time.Since(since)))
		}
		select {
		case <-ctx.Done():
			return stopProjecting(ctx, ps, cfg, log, st)
		case <-time.After(wait):
		}
	}
}

// stopProjecting sends what was read and not yet sent, with a short grace (ctx is over), and
// ends the run without an error: what it cannot send, the next run sends.
func stopProjecting(ctx context.Context, ps []clickhouse.Projector, cfg projectConfig, log *slog.Logger, st projectStats) (projectStats, error) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := flushAll(sctx, ps, cfg, log); err != nil {
		log.Warn("project: last batch not sent; the next run sends it", "err", err)
	}
	log.Info("project: stopping", "position", st.Position)
	return st, nil
}

// flushAll flushes every projector, retrying with backoff while a batch cannot be sent
// (clickhouse.ErrSend): for ever when polling, for cfg.RetryFor with Once.
func flushAll(ctx context.Context, ps []clickhouse.Projector, cfg projectConfig, log *slog.Logger) error {
	t0 := time.Now()
	for attempt := 0; ; attempt++ {
		var err error
		for _, p := range ps {
			if err = p.Flush(ctx); err != nil {
				break
			}
		}
		if err == nil {
			if attempt > 0 {
				log.Info("project: ClickHouse answers again; batch sent", "attempts", attempt+1, "seconds", time.Since(t0).Seconds())
			}
			return nil
		}
		if !errors.Is(err, clickhouse.ErrSend) || ctx.Err() != nil || (cfg.Once && time.Since(t0) > cfg.RetryFor) {
			return err
		}
		wait := min(5*time.Second, 100*time.Millisecond<<min(attempt, 6))
		if cfg.Metrics != nil {
			cfg.Metrics.SendRetries.Inc()
		}
		log.Warn("project: batch not sent; retrying", "err", err, "attempt", attempt+1, "retry_in", wait.String())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// dropProjection removes a projector's offset (an ALTER … DELETE mutation, asynchronous on
// 18.16: wait until it is visible) and then its tables' rows.
func dropProjection(ctx context.Context, conn driver.Conn, p clickhouse.Projector) error {
	name := p.Name()
	if err := conn.Exec(ctx, "ALTER TABLE projection_offsets DELETE WHERE projector = ?", name); err != nil {
		return fmt.Errorf("rebuild: delete offset of %s: %w", name, err)
	}
	for deadline := time.Now().Add(time.Minute); ; {
		pos, err := clickhouse.Offset(ctx, conn, name)
		if err != nil {
			return err
		}
		if pos == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("rebuild: the offset of %s is still %d a minute after its deletion", name, pos)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	for _, t := range p.Tables() {
		if err := conn.Exec(ctx, "TRUNCATE TABLE "+t); err != nil {
			return fmt.Errorf("rebuild: truncate %s: %w", t, err)
		}
	}
	return nil
}
