package projectionstest

import (
	"slices"
	"testing"

	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/projections"
)

// checkPaging pages through a list with several limits and checks that every row of all
// (the keys, in order) comes exactly once, Total is len(all) on every page, Next is the last
// key of its page, and the number of pages is the least possible. page fetches one page.
func checkPaging[T any](t *testing.T, all []string, key func(T) string, page func(after string, limit int) projections.Page[T]) {
	t.Helper()
	for _, limit := range []int{1, 2, 3, len(all) - 1, len(all), len(all) + 1} {
		if limit <= 0 {
			continue
		}
		var got []string
		pages, after := 0, ""
		for {
			p := page(after, limit)
			pages++
			if p.Total != len(all) {
				t.Fatalf("limit %d page %d: total %d, want %d", limit, pages, p.Total, len(all))
			}
			if len(p.Items) > limit {
				t.Fatalf("limit %d page %d: %d items", limit, pages, len(p.Items))
			}
			for _, it := range p.Items {
				got = append(got, key(it))
			}
			if p.Next == "" {
				break
			}
			if len(p.Items) == 0 || p.Next != key(p.Items[len(p.Items)-1]) {
				t.Fatalf("limit %d page %d: next %q is not the last key of the page", limit, pages, p.Next)
			}
			if pages > len(all)+1 {
				t.Fatalf("limit %d: paging does not end", limit)
			}
			after = p.Next
		}
		if !slices.Equal(got, all) {
			t.Errorf("limit %d: pages gave %v, want %v", limit, got, all)
		}
		if want := max(1, (len(all)+limit-1)/limit); pages != want {
			t.Errorf("limit %d: %d pages, want %d", limit, pages, want)
		}
	}
}

// feedAll applies es in order (a store's apply), failing the test on an error.
func feedAll(t *testing.T, es []event.Envelope, apply func(event.Envelope) error) {
	t.Helper()
	for _, e := range es {
		if err := apply(e); err != nil {
			t.Fatalf("apply %s %s@%d (position %d): %v", e.Type, e.Stream, e.Version, e.Position, err)
		}
	}
}

// mustFlush makes what was applied visible (a store's flush), failing the test on an error.
func mustFlush(t *testing.T, flush func() error) {
	t.Helper()
	if err := flush(); err != nil {
		t.Fatalf("flush: %v", err)
	}
}
