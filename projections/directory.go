package projections

import (
	"context"

	"github.com/choucha/choucha/domain/directory"
)

// Page is one page of a list; Next is the cursor for the following page ("" at the end).
type Page[T any] struct {
	Items []T    `json:"items"`
	Total int    `json:"total"`
	Next  string `json:"next,omitempty"`
}

// MaxLimit bounds every page.
const MaxLimit = 1000

// EnterpriseView is the regulator's view of an enterprise (tier included: never public).
type EnterpriseView struct {
	directory.Enterprise
	Version uint64 `json:"version"`
}

type InspectorView struct {
	directory.Inspector
	Version uint64 `json:"version"`
}

type ItemView struct {
	directory.Item
	Version uint64 `json:"version"`
}

// EnterpriseFilter: every set field must match; After is the cursor (a USCC).
type EnterpriseFilter struct {
	RegionPrefix string
	Industry     string
	EntityType   string
	Status       string
	Tier         string
	Name         string // substring
	After        string
	Limit        int
}

type InspectorFilter struct {
	Department    string
	Qualification string
	Active        *bool
	After         string
	Limit         int
}

type ItemFilter struct {
	Department string
	Category   string
	After      string
	Limit      int
}

// DirectoryQueries is what the API reads about 一单两库.
type DirectoryQueries interface {
	Enterprise(ctx context.Context, uscc string) (EnterpriseView, error)
	Enterprises(ctx context.Context, f EnterpriseFilter) (Page[EnterpriseView], error)
	Inspector(ctx context.Context, id string) (InspectorView, error)
	Inspectors(ctx context.Context, f InspectorFilter) (Page[InspectorView], error)
	Item(ctx context.Context, code string) (ItemView, error)
	Items(ctx context.Context, f ItemFilter) (Page[ItemView], error)
	Counts(ctx context.Context) (DirectoryCounts, error)
}

// DirectoryCounts sizes the three lists.
type DirectoryCounts struct {
	Enterprises int `json:"enterprises"`
	Inspectors  int `json:"inspectors"`
	Items       int `json:"items"`
}

// ClampLimit applies the default and maximum page size.
func ClampLimit(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}
