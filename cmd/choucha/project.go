package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/clickhouse"
	"github.com/choucha/choucha/infra/eventlog"
)

// projectConfig is what `choucha project` runs with.
type projectConfig struct {
	Brokers    []string
	Topic      string // event topic; "" = eventlog's default
	ClickHouse string
	Database   string
	Batch      int           // events per Flush (and rows per ClickHouse batch)
	Once       bool          // exit after catching up
	Rebuild    bool          // drop the stored offset and the table contents, replay from 1
	Poll       time.Duration // how often to look for new events when not Once
}

// projectStats is what one run did (for logs and tests).
type projectStats struct {
	Resumed  uint64 // the stored offset the run started after
	Applied  int    // events read and applied
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
	batch := fs.Int("batch", clickhouse.DefaultBatchSize, "events per batch (a Flush, then the offset is recorded)")
	once := fs.Bool("once", false, "exit after catching up with the log")
	rebuild := fs.Bool("rebuild", false, "drop the projector's offset and the disclosures rows, then replay the log from position 1")
	poll := fs.Duration("poll", 500*time.Millisecond, "how often to look for new events (without --once)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := projectConfig{Brokers: splitList(*brokers), Topic: *topic, ClickHouse: *addr, Database: *db,
		Batch: *batch, Once: *once, Rebuild: *rebuild, Poll: *poll}
	if len(cfg.Brokers) == 0 || cfg.ClickHouse == "" || cfg.Batch <= 0 || cfg.Poll <= 0 {
		fmt.Fprintln(stderr, "project: --kafka and --clickhouse are required (or CHOUCHA_KAFKA_BROKERS and CHOUCHA_CLICKHOUSE_ADDR); --batch and --poll must be > 0")
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := project(ctx, cfg, log); err != nil && !(errors.Is(err, context.Canceled) && ctx.Err() != nil) {
		log.Error("project failed", "err", err)
		return 1
	}
	return 0
}

// errPendingMigrations: the read-model schema is behind this binary.
var errPendingMigrations = errors.New("clickhouse migrations are pending: run `choucha migrate` first")

// openReader opens the Kafka event log to read it; it never appends. OpenKafka always joins a
// writer election, so the reader joins one of its own: a consumer group named
// "<topic>.writer.project.<uuid>", unique per process, never the writers' group (a projector
// must not take the writer role from a serve process) and never a group shared with an
// earlier projector (joining a group whose member was killed waits out its session timeout,
// 10 s, and so did Close). TODO: a read-only KafkaConfig option in infra/eventlog that skips
// the election altogether.
func openReader(ctx context.Context, brokers []string, topic string) (*eventlog.KafkaStore, error) {
	cfg := eventlog.KafkaConfig{Brokers: brokers, Topic: topic, ElectionWait: time.Millisecond}
	if cfg.Topic == "" {
		cfg.Topic = "choucha.events"
	}
	cfg.ElectionGroup = cfg.Topic + ".writer.project." + uuid.Must(uuid.NewV7()).String()
	return eventlog.OpenKafka(ctx, cfg)
}

// project runs the disclosure projector: resume after the stored offset, apply the log in
// order, Flush every cfg.Batch events and at the end of every catch-up (the projector records
// the offset only after its batch was sent), then exit (Once) or poll until ctx ends.
//
// Rebuild deletes the projector's offset first (and waits until the mutation is visible),
// then truncates the disclosures table, then replays from position 1: a crash in between
// leaves no offset, so the next run replays everything (re-inserting rows is idempotent in
// the ReplacingMergeTree). The public queries see an emptied table until the replay is done.
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
	if cfg.Rebuild {
		if err := dropDisclosures(ctx, conn); err != nil {
			return st, err
		}
		log.Info("rebuild: offset and disclosures dropped", "projector", clickhouse.DisclosureProjectorName)
	}

	p := clickhouse.NewDisclosureProjector(conn, cfg.Batch)
	if st.Resumed, err = p.Position(ctx); err != nil {
		return st, err
	}
	st.Position = st.Resumed

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
	log.Info("project: started", "projector", p.Name(), "resume_after", st.Resumed, "head", head,
		"lag", head-min(head, st.Resumed), "open_seconds", time.Since(start).Seconds())

	for {
		t0 := time.Now()
		n, sinceFlush := 0, 0
		err := store.ReadFrom(ctx, st.Position+1, func(e event.Envelope) error {
			if err := p.Apply(e); err != nil {
				return fmt.Errorf("projection %s at position %d (%s %s@%d): %w", p.Name(), e.Position, e.Type, e.Stream, e.Version, err)
			}
			st.Position = e.Position
			n++
			if sinceFlush++; sinceFlush >= cfg.Batch {
				sinceFlush = 0
				st.Batches++
				return p.Flush(ctx)
			}
			return nil
		})
		if err == nil && n > 0 {
			st.Batches++
			err = p.Flush(ctx)
		}
		st.Applied += n
		if err != nil {
			return st, err
		}
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
		select {
		case <-ctx.Done():
			log.Info("project: stopping", "position", st.Position)
			return st, nil
		case <-time.After(cfg.Poll):
		}
	}
}

// dropDisclosures removes the disclosure projector's offset (an ALTER … DELETE mutation,
// asynchronous on 18.16: wait until it is visible) and then the table's rows.
func dropDisclosures(ctx context.Context, conn driver.Conn) error {
	name := clickhouse.DisclosureProjectorName
	if err := conn.Exec(ctx, "ALTER TABLE projection_offsets DELETE WHERE projector = '"+name+"'"); err != nil {
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
	if err := conn.Exec(ctx, "TRUNCATE TABLE disclosures"); err != nil {
		return fmt.Errorf("rebuild: truncate disclosures: %w", err)
	}
	return nil
}
