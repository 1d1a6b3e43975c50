package commands

import (
	"context"
	"fmt"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
)

// Row is one parsed CSV row with its line number (header = line 1).
type Row[F any] struct {
	Line   int
	Fields F
}

// ImportOutcome counts what an import did. A repeated command id appends nothing.
type ImportOutcome struct {
	Rows       int    `json:"rows"`
	Registered int    `json:"registered"`
	Updated    int    `json:"updated"`
	Unchanged  int    `json:"unchanged"`
	Events     int    `json:"events"`
	Replayed   bool   `json:"replayed"`
	Head       uint64 `json:"position"`
}

// importKind is how one directory is imported: the generic part below does the rest.
type importKind[F, E any] struct {
	keyField string
	key      func(E) string
	build    func(F) (E, error)
	stream   func(key string) string
	load     func(ctx context.Context, s event.Store, key string) (E, uint64, error)
	register func(E) directory.Change
	update   func(cur, next E) []directory.Change
}

// importRows is all or nothing: every row is checked, every problem reported with its line,
// and only a file without problems is appended, as one atomic batch.
func importRows[F, E any](ctx context.Context, d Deps, m Meta, rows []Row[F], k importKind[F, E]) (ImportOutcome, error) {
	out := ImportOutcome{Rows: len(rows)}
	if len(rows) == 0 {
		return out, Invalid(Issue{Line: 1, Field: "", Code: "no_rows"})
	}
	var issues []Issue
	seen := make(map[string]int, len(rows))
	streams := make([]event.StreamAppend, 0, len(rows))
	for _, r := range rows {
		e, err := k.build(r.Fields)
		if err != nil {
			issues = append(issues, domainIssues(r.Line, err)...)
			continue
		}
		key := k.key(e)
		if first, dup := seen[key]; dup {
			issues = append(issues, Issue{Line: r.Line, Field: k.keyField, Code: "duplicate_in_file", Param: fmt.Sprint(first)})
			continue
		}
		seen[key] = r.Line
		if len(issues) > 0 {
			continue // the batch will not be written; only look for more problems
		}
		stream := k.stream(key)
		cur, v, err := k.load(ctx, d.Store, key)
		if err != nil {
			return ImportOutcome{}, err
		}
		var changes []directory.Change
		if v == 0 {
			changes = []directory.Change{k.register(e)}
			out.Registered++
		} else if changes = k.update(cur, e); len(changes) == 0 {
			out.Unchanged++
			continue
		} else {
			out.Updated++
		}
		evs, err := d.envelopes(stream, m, changes)
		if err != nil {
			return ImportOutcome{}, err
		}
		streams = append(streams, event.StreamAppend{Stream: stream, ExpectedVersion: v, Events: evs})
	}
	if len(issues) > 0 {
		return ImportOutcome{}, Invalid(issues...)
	}
	if len(streams) == 0 {
		return out, nil
	}
	o, err := d.appendBatch(ctx, m, streams)
	if err != nil {
		return ImportOutcome{}, err
	}
	out.Events, out.Replayed, out.Head = o.Events, o.Replayed, o.Head
	return out, nil
}
