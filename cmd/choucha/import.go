package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/schollz/progressbar/v3"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/infra/csvin"
	"github.com/choucha/choucha/infra/validation"
)

func runImport(args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: choucha import enterprises|inspectors|items FILE [--data DIR | --kafka HOST:PORT[,…] [--topic T]] [--lang zh|en]")
		return 2
	}
	kind, file := args[0], args[1]
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", defaultData, "data directory")
	lang := fs.String("lang", langFromEnv(), "message language: zh or en")
	quiet := fs.Bool("quiet", false, "no progress bar")
	var dist serveDist
	kafkaBrokers := fs.String("kafka", "", "Kafka bootstrap brokers host:port[,…]: import into the Kafka log (no `serve` may hold the writer role meanwhile; else import through the API)")
	fs.StringVar(&dist.Topic, "topic", "", "event topic with --kafka (default choucha.events)")
	if err := fs.Parse(args[2:]); err != nil {
		return 2
	}
	dist.Brokers = splitList(*kafkaBrokers)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	out, issues, err := importFile(ctx, kind, file, func() (event.Store, error) { return dist.openWriter(ctx, *data) }, validation.Lang(*lang), *quiet, stderr)
	if len(issues) > 0 {
		fmt.Fprintf(stderr, "%s: %s\n", file, validation.Message(validation.Lang(*lang), "invalid_input", "", ""))
		for _, is := range validation.Word(validation.Lang(*lang), issues) {
			if is.Line > 0 {
				fmt.Fprintf(stderr, "  line %d: %s: %s\n", is.Line, is.Field, is.Message)
			} else {
				fmt.Fprintf(stderr, "  %s: %s\n", is.Field, is.Message)
			}
		}
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "import:", err)
		return 1
	}
	where := fmt.Sprintf("log position %d", out.Head)
	if out.Events == 0 {
		where = "nothing appended"
	}
	fmt.Fprintf(stdout, "imported %s: %d rows, %d registered, %d updated, %d unchanged, %d events (%s)\n",
		kind, out.Rows, out.Registered, out.Updated, out.Unchanged, out.Events, where)
	return 0
}

func langFromEnv() string {
	if l := os.Getenv("LANG"); strings.HasPrefix(l, "zh") {
		return "zh"
	}
	return "en"
}

// importFile parses with a progress bar, checks every row, then appends one atomic batch.
func importFile(ctx context.Context, kind, file string, open func() (event.Store, error), lang validation.Lang, quiet bool, stderr io.Writer) (commands.ImportOutcome, []commands.Issue, error) {
	f, err := os.Open(file)
	if err != nil {
		return commands.ImportOutcome{}, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return commands.ImportOutcome{}, nil, err
	}
	var src io.Reader = f
	if !quiet {
		bar := progressbar.NewOptions64(st.Size(), progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("reading "+kind), progressbar.OptionShowBytes(true),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
		r := progressbar.NewReader(f, bar)
		src = &r
		defer bar.Finish()
	}
	log, err := open()
	if err != nil {
		return commands.ImportOutcome{}, nil, err
	}
	defer log.Close()
	deps := commands.Deps{Store: log, Now: time.Now}
	v := validation.New()
	m := commands.Meta{CommandID: "import-" + uuid.Must(uuid.NewV7()).String(), Actor: event.Actor{ID: "cli", Role: "regulator"}}
	if !quiet {
		defer fmt.Fprintln(stderr, "")
	}
	switch kind {
	case "enterprises":
		return importKind(ctx, src, v, lang, func(rows []commands.Row[commands.EnterpriseFields]) (commands.ImportOutcome, error) {
			return commands.NewImportEnterprisesHandler(deps).Handle(ctx, commands.ImportEnterprises{Meta: m, Rows: rows})
		})
	case "inspectors":
		return importKind(ctx, src, v, lang, func(rows []commands.Row[commands.InspectorFields]) (commands.ImportOutcome, error) {
			return commands.NewImportInspectorsHandler(deps).Handle(ctx, commands.ImportInspectors{Meta: m, Rows: rows})
		})
	case "items":
		return importKind(ctx, src, v, lang, func(rows []commands.Row[commands.ItemFields]) (commands.ImportOutcome, error) {
			return commands.NewImportItemsHandler(deps).Handle(ctx, commands.ImportItems{Meta: m, Rows: rows})
		})
	}
	return commands.ImportOutcome{}, nil, fmt.Errorf("unknown kind %q: want enterprises, inspectors or items", kind)
}

func importKind[F any](ctx context.Context, src io.Reader, v *validation.Validator, lang validation.Lang, run func([]commands.Row[F]) (commands.ImportOutcome, error)) (commands.ImportOutcome, []commands.Issue, error) {
	rows, issues, err := csvin.Decode[F](src, 0)
	if err != nil || len(issues) > 0 {
		return commands.ImportOutcome{}, issues, err
	}
	if issues := validation.CheckRows(v, lang, rows); len(issues) > 0 {
		return commands.ImportOutcome{}, issues, nil
	}
	if err := ctx.Err(); err != nil {
		return commands.ImportOutcome{}, nil, err
	}
	out, err := run(rows)
	if ce, ok := commands.AsError(err); ok && ce.Kind == commands.KindInvalid {
		return out, ce.Issues, nil
	}
	if ce, ok := commands.AsError(err); ok {
		return out, nil, errors.New(validation.Message(lang, ce.Code, "", ""))
	}
	return out, nil, err
}
