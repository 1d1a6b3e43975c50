package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/choucha/choucha/infra/eventlog"
)

// defaultData is where the embedded log lives unless --data says otherwise.
const defaultData = "data"

// openLog opens the embedded log in dir, creating dir; a log held by a running serve gets
// a sentence that says what to do.
func openLog(dir string) (*eventlog.Bolt, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	b, err := eventlog.OpenBolt(filepath.Join(dir, "events.db"), eventlog.BoltOptions{})
	if errors.Is(err, eventlog.ErrLocked) {
		return nil, fmt.Errorf("%w\n(is `choucha serve` running on %s? stop it, or import through the API: POST /api/v1/…/import)", err, dir)
	}
	return b, err
}
