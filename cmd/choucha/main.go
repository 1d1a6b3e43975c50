// Command choucha is the only wiring point: every subcommand builds its parts here.
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev"

const usage = `choucha — 双随机、一公开 market supervision

usage:
  choucha serve   [--data DIR] [--addr HOST:PORT]         start the API on the embedded log
                  [--kafka BROKERS [--topic T] [--clickhouse HOST:PORT [--clickhouse-db DB]]]
                                                          distributed mode: the log on Kafka, disclosures from ClickHouse
  choucha import  enterprises|inspectors|items FILE [--data DIR]
                                                          import a CSV, all or nothing
  choucha gen     --enterprises N --inspectors M --items K --out DIR [--seed S]
                                                          write deterministic demo CSVs
  choucha token   issue --role regulator --department D | --role inspector --inspector ID
                  [--name N] [--expires 90d] [--data DIR]         issue a bearer token (printed once)
  choucha token   revoke ID [--reason R] | list [--data DIR]
  choucha migrate --clickhouse HOST:PORT [--clickhouse-db DB]
                                                          apply the ClickHouse migrations (idempotent)
  choucha project --kafka BROKERS --clickhouse HOST:PORT [--clickhouse-db DB] [--topic T]
                  [--batch N] [--once] [--rebuild]        fill the ClickHouse read models from the Kafka log
  choucha verify  log [--data DIR]                        check every hash chain of the log
  choucha verify  plan FILE                               recompute a plan's draw and teams from its audit export
  choucha verify  rfc3797 --seeds SEEDS --pool POOL --count K
                                                          recompute an RFC 3797 selection
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run dispatches; exit 2 is a usage or input error, 1 a failure.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return runServe(args[1:], stdout, stderr)
	case "import":
		return runImport(args[1:], stdout, stderr)
	case "migrate":
		return runMigrate(args[1:], stdout, stderr)
	case "project":
		return runProject(args[1:], stdout, stderr)
	case "gen":
		return runGen(args[1:], stdout, stderr)
	case "token":
		return runToken(args[1:], stdout, stderr)
	case "verify":
		if len(args) > 1 {
			switch args[1] {
			case "log":
				return runVerifyLog(args[2:], stdout, stderr)
			case "plan":
				return runVerifyPlan(args[2:], stdout, stderr)
			case "rfc3797":
				return runVerifyRFC3797(args[2:], stdout, stderr)
			}
		}
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "version", "--version":
		fmt.Fprintln(stdout, version)
		return 0
	}
	fmt.Fprint(stderr, usage)
	return 2
}
