package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/auth"
	"github.com/choucha/choucha/infra/eventlog"
	"github.com/choucha/choucha/infra/validation"
)

const tokenUsage = `usage:
  choucha token issue  --role regulator --department DEPT [--name NAME] [--expires 90d|2160h|2027-01-01] [--data DIR]
  choucha token issue  --role inspector --inspector ID   [--name NAME] [--expires …] [--data DIR]
  choucha token revoke ID [--reason TEXT] [--data DIR]
  choucha token list   [--data DIR]
The plaintext token is printed once; the log keeps only its SHA-256.
`

// cliActor is who the token command records as the cause of its events.
var cliActor = event.Actor{ID: "cli", Role: string(auth.RoleAdmin)}

// runToken manages bearer tokens on the data directory's log, like `choucha import`.
func runToken(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokenUsage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	switch args[0] {
	case "issue":
		return tokenIssue(ctx, args[1:], stdout, stderr)
	case "revoke":
		return tokenRevoke(ctx, args[1:], stdout, stderr)
	case "list":
		return tokenList(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, tokenUsage)
		return 0
	}
	fmt.Fprint(stderr, tokenUsage)
	return 2
}

func tokenIssue(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("token issue", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", defaultData, "data directory")
	role := fs.String("role", "", "regulator or inspector")
	dept := fs.String("department", "", "the regulator's department (e.g. 市场监管局)")
	ins := fs.String("inspector", "", "the inspector's roster id (e.g. INS000001)")
	name := fs.String("name", "", "who holds the token (a label)")
	expires := fs.String("expires", "", "validity: a duration (90d, 2160h) or a date (2027-01-01); empty: no expiry")
	lang := fs.String("lang", langFromEnv(), "message language: zh or en")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "token issue: unexpected argument %q\n%s", fs.Arg(0), tokenUsage)
		return 2
	}
	exp, err := parseExpiry(*expires, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "token issue: --expires:", err)
		return 2
	}
	log, err := openTokenLog(*data, "POST /api/v1/tokens")
	if err != nil {
		fmt.Fprintln(stderr, "token issue:", err)
		return 1
	}
	defer log.Close()
	out, err := auth.NewIssuer(log, time.Now).Issue(ctx, auth.IssueToken{
		Meta: commands.Meta{Actor: cliActor}, Role: auth.Role(*role), Department: *dept,
		InspectorID: *ins, Name: *name, ExpiresAt: exp,
	})
	if err != nil {
		return commandFailed(stderr, "token issue", validation.Lang(*lang), err)
	}
	scope := "department " + out.Department
	if out.Role == auth.RoleInspector {
		scope = "inspector " + out.InspectorID
	}
	fmt.Fprintf(stdout, "token %s issued: role %s, %s", out.ID, out.Role, scope)
	if out.Name != "" {
		fmt.Fprintf(stdout, ", name %s", out.Name)
	}
	if out.ExpiresAt != nil {
		fmt.Fprintf(stdout, ", expires %s", out.ExpiresAt.Local().Format(time.RFC3339))
	}
	fmt.Fprintf(stdout, "\n%s\nShown once: store it now (only its SHA-256 is kept). Use it as: Authorization: Bearer <token>\n", out.Token)
	return 0
}

func tokenRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("token revoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", defaultData, "data directory")
	reason := fs.String("reason", "", "why (kept in the log)")
	lang := fs.String("lang", langFromEnv(), "message language: zh or en")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	} else if fs.NArg() > 0 || id == "" {
		fmt.Fprint(stderr, tokenUsage)
		return 2
	}
	log, err := openTokenLog(*data, "DELETE /api/v1/tokens/"+id)
	if err != nil {
		fmt.Fprintln(stderr, "token revoke:", err)
		return 1
	}
	defer log.Close()
	out, err := auth.NewIssuer(log, time.Now).Revoke(ctx, auth.RevokeToken{Meta: commands.Meta{Actor: cliActor}, ID: id, Reason: *reason})
	if err != nil {
		return commandFailed(stderr, "token revoke", validation.Lang(*lang), err)
	}
	fmt.Fprintf(stdout, "token %s revoked (log position %d)\n", id, out.Head)
	return 0
}

func tokenList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("token list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", defaultData, "data directory")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log, err := openTokenLog(*data, "GET /api/v1/tokens")
	if err != nil {
		fmt.Fprintln(stderr, "token list:", err)
		return 1
	}
	defer log.Close()
	// The read model is rebuilt from the whole log, as serve does at start.
	tokens := auth.NewTokens()
	if err := log.ReadFrom(ctx, 1, tokens.Apply); err != nil {
		fmt.Fprintln(stderr, "token list:", err)
		return 1
	}
	now := time.Now()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	// Free text last: tabwriter cannot align double-width characters.
	fmt.Fprintln(tw, "ID\tROLE\tSTATUS\tISSUED\tEXPIRES\tSCOPE\tNAME")
	for _, t := range tokens.List() {
		scope, exp := t.Department, "-"
		if t.Role == auth.RoleInspector {
			scope = t.InspectorID
		}
		if t.ExpiresAt != nil {
			exp = t.ExpiresAt.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, t.Status(now),
			t.IssuedAt.Local().Format("2006-01-02 15:04"), exp, scope, orDash(t.Name))
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintln(stderr, "token list:", err)
		return 1
	}
	return 0
}

// openTokenLog opens the log; when serve holds it, it says which API call does the same.
func openTokenLog(dir, api string) (*eventlog.Bolt, error) {
	log, err := openLog(dir)
	if errors.Is(err, eventlog.ErrLocked) {
		return nil, fmt.Errorf("the event log in %s is held by a running `choucha serve`: use its API instead,\n"+
			"  %s with -H \"Authorization: Bearer $(cat %s)\"", dir, api, filepath.Join(dir, "admin.token"))
	}
	return log, err
}

// commandFailed words a refusal: field issues exit 2, other refusals and failures 1.
func commandFailed(stderr io.Writer, what string, lang validation.Lang, err error) int {
	ce, ok := commands.AsError(err)
	switch {
	case ok && ce.Kind == commands.KindInvalid:
		fmt.Fprintf(stderr, "%s: %s\n", what, validation.Message(lang, "invalid_input", "", ""))
		for _, is := range validation.Word(lang, ce.Issues) {
			fmt.Fprintf(stderr, "  %s: %s\n", is.Field, is.Message)
		}
		return 2
	case ok:
		fmt.Fprintf(stderr, "%s: %s\n", what, validation.Message(lang, ce.Code, "", ""))
	default:
		fmt.Fprintf(stderr, "%s: %v\n", what, err)
	}
	return 1
}

// parseExpiry reads "90d", a Go duration ("2160h") or a local date ("2027-01-01").
func parseExpiry(s string, now time.Time) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	var at time.Time
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a whole number of days", s)
		}
		at = now.AddDate(0, 0, n)
	} else if dur, err := time.ParseDuration(s); err == nil {
		at = now.Add(dur)
	} else if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		at = t
	} else {
		return nil, fmt.Errorf("%q: want 90d, 2160h or 2027-01-01", s)
	}
	return &at, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
