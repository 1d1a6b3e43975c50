// Package clickhouse holds the distributed mode's read models in ClickHouse: the connection
// (Open), ordered idempotent migrations (Migrate), batched projectors that record their
// position only after a batch is sent (DisclosureProjector), and query adapters serving the
// interfaces of package projections (Disclosures).
//
// The SQL is the subset that ClickHouse 18.16 (what Debian ships, used in CI) and current
// releases both accept; see README.md in this directory for the gaps. Two driver rules follow
// from 18.16 and are kept everywhere here:
//   - every batch INSERT names its columns ("INSERT INTO t (a, b)"): without a column list
//     clickhouse-go ≥ v2.28 reads an empty header from 18.16 and Append fails;
//   - no Exec("INSERT … VALUES (…)"): against 18.16 it waits for the read timeout. Inserts go
//     through PrepareBatch (or INSERT … SELECT).
//
// Tables are named without a database: a connection from Open works in Config.Database.
package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"syscall"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/choucha/choucha/projections"
)

// ErrNoDatabase: Config.Database does not exist on the server (run `choucha migrate`, which
// opens with CreateDatabase).
var ErrNoDatabase = errors.New("clickhouse database does not exist")

// ClickHouse server error codes used here (ErrorCodes.cpp).
const (
	codeTableAlreadyExists    = 57
	codeUnknownDatabase       = 81
	codeDatabaseAlreadyExists = 82
)

// Config is how to reach the read-model database.
type Config struct {
	// Addr is the native protocol address, host:port (CHOUCHA_CLICKHOUSE_ADDR); several
	// replicas may be given separated by commas.
	Addr     string
	Database string // default "choucha"; letters, digits and '_' (it appears in DDL)
	Username string // default "default"
	Password string
	// CreateDatabase: create Database if it does not exist (migration 1's statement), for
	// `choucha migrate`. Without it Open fails with ErrNoDatabase on a missing database.
	CreateDatabase bool
	// Compression: LZ4 on the native protocol (checked against 18.16 and current servers).
	Compression  bool
	DialTimeout  time.Duration // default 5s
	ReadTimeout  time.Duration // per read on the connection; default 30s
	MaxOpenConns int           // default 16 (a serve answers many public readers at once)
}

// DefaultDatabase is Config.Database when none is given.
const DefaultDatabase = "choucha"

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (c *Config) setDefaults() {
	c.Addr = strings.TrimSpace(c.Addr)
	if c.Database == "" {
		c.Database = DefaultDatabase
	}
	if c.Username == "" {
		c.Username = "default"
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = 5 * time.Second
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = 30 * time.Second
	}
	if c.MaxOpenConns == 0 {
		c.MaxOpenConns = 16
	}
}

// Validate returns every problem at once (after defaults are applied by Open).
func (c Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("clickhouse: Addr is required (host:port of the native protocol)"))
	}
	for _, a := range c.addrs() {
		if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
			errs = append(errs, fmt.Errorf("clickhouse: Addr %q is not host:port", a))
		}
	}
	if !identifier.MatchString(c.Database) {
		errs = append(errs, fmt.Errorf("clickhouse: Database %q must match %s", c.Database, identifier))
	}
	if c.DialTimeout < 0 || c.ReadTimeout < 0 {
		errs = append(errs, errors.New("clickhouse: timeouts must not be negative"))
	}
	if c.MaxOpenConns < 0 {
		errs = append(errs, errors.New("clickhouse: MaxOpenConns must not be negative"))
	}
	return errors.Join(errs...)
}

func (c Config) addrs() []string {
	var out []string
	for a := range strings.SplitSeq(c.Addr, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

func (c Config) options(database string) *ch.Options {
	o := &ch.Options{
		Addr:         c.addrs(),
		Auth:         ch.Auth{Database: database, Username: c.Username, Password: c.Password},
		DialTimeout:  c.DialTimeout,
		ReadTimeout:  c.ReadTimeout,
		MaxOpenConns: c.MaxOpenConns,
		MaxIdleConns: c.MaxOpenConns,
	}
	if c.Compression {
		o.Compression = &ch.Compression{Method: ch.CompressionLZ4}
	}
	return o
}

// Open connects to cfg.Database and checks the connection with a ping. With
// cfg.CreateDatabase it first creates the database through the server's "default" one.
func Open(ctx context.Context, cfg Config) (driver.Conn, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.CreateDatabase {
		boot, err := ch.Open(cfg.options("default"))
		if err != nil {
			return nil, fmt.Errorf("clickhouse: open %s: %w", cfg.Addr, err)
		}
		err = execTolerant(ctx, boot, createDatabase(cfg.Database))
		boot.Close()
		if err != nil {
			return nil, fmt.Errorf("clickhouse: create database %s: %w", cfg.Database, err)
		}
	}
	conn, err := ch.Open(cfg.options(cfg.Database))
	if err != nil {
		return nil, fmt.Errorf("clickhouse: open %s: %w", cfg.Addr, err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		if hasCode(err, codeUnknownDatabase) {
			return nil, fmt.Errorf("%w: %q on %s (run `choucha migrate`): %v", ErrNoDatabase, cfg.Database, cfg.Addr, err)
		}
		return nil, fmt.Errorf("clickhouse: ping %s: %w", cfg.Addr, err)
	}
	return conn, nil
}

func hasCode(err error, codes ...int32) bool {
	var exc *ch.Exception
	if !errors.As(err, &exc) {
		return false
	}
	for _, c := range codes {
		if exc.Code == c {
			return true
		}
	}
	return false
}

// execTolerant runs a "CREATE … IF NOT EXISTS": two of them racing may still see "already
// exists" from the server (the check and the creation are not atomic), which is success here.
func execTolerant(ctx context.Context, conn driver.Conn, sql string) error {
	err := conn.Exec(ctx, sql)
	if err != nil && hasCode(err, codeTableAlreadyExists, codeDatabaseAlreadyExists) {
		return nil
	}
	return err
}

// readErr wraps a failed read for the edge: a server that cannot be reached (refused, reset,
// timed out, a broken connection) is projections.ErrUnavailable (503, retry later); anything
// else is a plain error (a bug, logged as one).
func readErr(what string, err error) error {
	var ne net.Error
	var ex *ch.Exception
	switch {
	case errors.As(err, &ex):
		return fmt.Errorf("clickhouse: %s: %w", what, err)
	case errors.As(err, &ne), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, ch.ErrAcquireConnTimeout), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: clickhouse: %s: %w", projections.ErrUnavailable, what, err)
	}
	return fmt.Errorf("clickhouse: %s: %w", what, err)
}
