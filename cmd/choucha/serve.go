package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/auth"
	"github.com/choucha/choucha/infra/clickhouse"
	"github.com/choucha/choucha/infra/eventlog"
	httpapi "github.com/choucha/choucha/infra/http"
	"github.com/choucha/choucha/infra/memory"
	"github.com/choucha/choucha/infra/metrics"
	"github.com/choucha/choucha/infra/validation"
	"github.com/choucha/choucha/infra/web"
	"github.com/choucha/choucha/projections"
)

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", defaultData, "data directory (the event log and the admin token)")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	authority := fs.String("authority", "市场监督管理局", "the issuing authority named on disclosure reports")
	rate := fs.Float64("public-rate", 20, "public requests per second per client (pages and /public); negative: no limit")
	burst := fs.Int("public-burst", 40, "public request burst per client")
	// Distributed mode (issue 5): the log on Kafka, the public disclosures from ClickHouse.
	var dist serveDist
	kafkaBrokers := fs.String("kafka", "", "Kafka bootstrap brokers host:port[,…]: the event log is the Kafka store (distributed mode)")
	fs.StringVar(&dist.Topic, "topic", "", "event topic with --kafka (default choucha.events)")
	fs.StringVar(&dist.ClickHouse, "clickhouse", "", "ClickHouse native address host:port, with --kafka: public disclosures are read from it")
	fs.StringVar(&dist.Database, "clickhouse-db", "choucha", "ClickHouse database")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	dist.Brokers = splitList(*kafkaBrokers)
	if dist.ClickHouse != "" && len(dist.Brokers) == 0 {
		fmt.Fprintln(stderr, "serve: --clickhouse needs --kafka (the projector fills ClickHouse from the Kafka log)")
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := serveConfig{Data: *data, Addr: *addr, Authority: *authority, PublicRate: *rate, PublicBurst: *burst, Dist: dist}
	if err := serve(ctx, cfg, stdout); err != nil {
		log.Error("serve failed", "err", err)
		return 1
	}
	return 0
}

// serveConfig is what serve is started with.
type serveConfig struct {
	Data, Addr, Authority string
	PublicRate            float64 // 0: the API's default
	PublicBurst           int
	Dist                  serveDist // zero: the embedded mode
}

func serve(ctx context.Context, cfg serveConfig, stdout io.Writer) error {
	dataDir, addr, authority, dist := cfg.Data, cfg.Addr, cfg.Authority, cfg.Dist
	logFile, err := dist.openLog(ctx, dataDir)
	if err != nil {
		return err
	}
	defer logFile.Close()
	m := metrics.New()
	store := m.Store(logFile)

	dir, plans := memory.NewDirectory(), memory.NewPlans()
	tokens := auth.NewTokens() // issued bearer tokens: a read model of the log like the others
	insp := memory.NewInspections(time.Now)
	// The public reads: from ClickHouse in distributed mode (filled by `choucha project`,
	// eventually consistent). The desk and the regulators' API read this process's memory
	// models, which Sync brings up to every command they run (read your writes).
	public := chReadModels{Disclosures: insp, Plans: plans, Stats: insp}
	if dist.ClickHouse != "" {
		ch, closeCH, err := dist.openReadModels(ctx)
		if err != nil {
			return err
		}
		defer closeCH()
		public = ch
	}
	runner := projections.NewRunner(store, dir, plans, tokens, insp)
	start := time.Now()
	n, err := runner.CatchUp(ctx)
	if err != nil {
		return fmt.Errorf("rebuild read models: %w", err)
	}
	took := time.Since(start)
	m.ObserveRebuild(n, took)
	m.ProjectionPos.Set(float64(runner.Position()))
	slog.Info("read models rebuilt", "events", n, "seconds", took.Seconds(), "events_per_second", float64(n)/max(took.Seconds(), 1e-9))

	token, tokenFile, err := adminToken(dataDir)
	if err != nil {
		return err
	}
	app := commands.NewApplication(commands.Deps{Store: store, Now: time.Now}, dir, plans)
	sync := func(ctx context.Context) error {
		_, err := runner.CatchUp(ctx)
		m.ProjectionPos.Set(float64(runner.Position()))
		return err
	}
	validator := validation.New()
	api, err := httpapi.New(httpapi.Config{
		App:            app,
		Directory:      dir,
		Plans:          plans,
		Inspections:    insp,
		PublicPlans:    public.Plans,
		Disclosures:    public.Disclosures,
		Stats:          public.Stats,
		Sync:           sync,
		Validator:      validator,
		Metrics:        m,
		AdminTokenHash: sha256.Sum256([]byte(token)),
		Tokens:         tokens,
		TokenIssuer:    auth.NewIssuer(store, time.Now),
		PublicRate:     cfg.PublicRate,
		PublicBurst:    cfg.PublicBurst,
		Version:        version,
	})
	if err != nil {
		return err
	}
	// The desk: regulators' and inspectors' pages, running the same commands in process.
	desk := &web.DeskConfig{
		App: app, Auth: auth.NewAuthenticator(sha256.Sum256([]byte(token)), tokens, time.Now), Sync: sync,
		Directory: dir, Plans: plans, Tasks: insp, Validator: validator,
	}
	site, err := web.New(web.Config{Plans: public.Plans, Disclosures: public.Disclosures, Stats: public.Stats, Now: time.Now, Authority: authority, Desk: desk})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           api.WithSite(site.Handler()),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Minute, // a million-row CSV import is one request
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "choucha is serving at %s\n  public:  %s/ (公示)\n  desk:    %s/login (paste a token)\n  health:  %s/healthz\n  API:     %s/openapi.json (token in %s)\n  example: curl -H \"Authorization: Bearer $(cat %s)\" %s/api/v1/directory/counts\n",
		url, url, url, url, url, tokenFile, tokenFile, url)
	slog.Info("serving", "url", url, "data", dataDir, "kafka", strings.Join(dist.Brokers, ","), "clickhouse", dist.ClickHouse)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	slog.Info("stopped")
	return nil
}

// adminToken reads the admin token from DATA/admin.token, creating a random one the first
// time. Only its hash is kept in memory.
func adminToken(dataDir string) (token, path string, err error) {
	path = filepath.Join(dataDir, "admin.token")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), path, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", "", fmt.Errorf("admin token: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", "", err
	}
	token = hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", "", fmt.Errorf("admin token: %w", err)
	}
	return token, path, nil
}

// serveDist is serve's distributed mode (issue 5); the zero value is the embedded mode.
type serveDist struct {
	Brokers    []string // Kafka: the event log is the Kafka store (this process competes for the writer role)
	Topic      string
	ClickHouse string // public disclosure queries from ClickHouse (filled by `choucha project`)
	Database   string
}

// openLog opens the event log: the embedded one in dataDir, or the Kafka store. A Kafka store
// that is not the writer refuses appends with eventlog.ErrNotWriter.
func (d serveDist) openLog(ctx context.Context, dataDir string) (event.Store, error) {
	if len(d.Brokers) == 0 {
		return openLog(dataDir)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil { // the admin token lives there
		return nil, fmt.Errorf("data directory: %w", err)
	}
	s, err := eventlog.OpenKafka(ctx, eventlog.KafkaConfig{Brokers: d.Brokers, Topic: d.Topic})
	if err != nil {
		return nil, err
	}
	slog.Info("event log on kafka", "brokers", strings.Join(d.Brokers, ","), "writer", s.IsWriter())
	return s, nil
}

// openWriter opens the log to append to it: the embedded one in dataDir, or the Kafka store
// once it holds the writer role (it waits up to a minute: a writer that just left may hold
// the role until its session times out).
func (d serveDist) openWriter(ctx context.Context, dataDir string) (event.Store, error) {
	if len(d.Brokers) == 0 {
		return openLog(dataDir)
	}
	s, err := eventlog.OpenKafka(ctx, eventlog.KafkaConfig{Brokers: d.Brokers, Topic: d.Topic})
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := s.WaitWriter(wctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("the Kafka log has another writer (is `choucha serve --kafka` running? import through its API instead): %w", err)
	}
	return s, nil
}

// chReadModels are the public read models served from ClickHouse in distributed mode.
type chReadModels struct {
	Disclosures projections.DisclosureQueries
	Plans       projections.PlanQueries
	Stats       projections.StatsQueries
}

// openReadModels connects to ClickHouse for the public queries; it refuses a schema with
// pending migrations.
func (d serveDist) openReadModels(ctx context.Context) (chReadModels, func(), error) {
	conn, err := clickhouse.Open(ctx, clickhouse.Config{Addr: d.ClickHouse, Database: d.Database})
	if err != nil {
		return chReadModels{}, nil, err
	}
	pending, err := clickhouse.Pending(ctx, conn)
	if err == nil && len(pending) > 0 {
		err = fmt.Errorf("%w (%d pending)", errPendingMigrations, len(pending))
	}
	if err != nil {
		conn.Close()
		return chReadModels{}, nil, err
	}
	rm := chReadModels{Disclosures: clickhouse.NewDisclosures(conn), Plans: clickhouse.NewPlans(conn), Stats: clickhouse.NewStats(conn, time.Now)}
	return rm, func() { conn.Close() }, nil
}
