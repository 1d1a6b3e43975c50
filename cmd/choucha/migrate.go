package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/choucha/choucha/infra/clickhouse"
)

// runMigrate applies the ClickHouse migrations in order; applied ones are skipped, so it is
// safe to run on every deploy.
func runMigrate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("clickhouse", os.Getenv("CHOUCHA_CLICKHOUSE_ADDR"), "ClickHouse native address host:port (default $CHOUCHA_CLICKHOUSE_ADDR)")
	db := fs.String("clickhouse-db", "choucha", "database")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *addr == "" {
		fmt.Fprintln(stderr, "migrate: --clickhouse (or CHOUCHA_CLICKHOUSE_ADDR) is required")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := clickhouse.Open(ctx, clickhouse.Config{Addr: *addr, Database: *db, CreateDatabase: true})
	if err != nil {
		fmt.Fprintln(stderr, "migrate:", err)
		return 1
	}
	defer conn.Close()
	pending, err := clickhouse.Pending(ctx, conn)
	if err != nil {
		fmt.Fprintln(stderr, "migrate:", err)
		return 1
	}
	if err := clickhouse.Migrate(ctx, conn); err != nil {
		fmt.Fprintln(stderr, "migrate:", err)
		return 1
	}
	fmt.Fprintf(stdout, "migrate: %d applied, %d already there\n", len(pending), len(clickhouse.Migrations())-len(pending))
	return 0
}
