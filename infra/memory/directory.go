// Package memory holds the embedded mode's read models: rebuilt from the log at start,
// kept current by the projections.Runner after every append.
package memory

import (
	"context"
	"iter"
	"slices"
	"strings"
	"sync"

	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/event"
	"github.com/choucha/choucha/projections"
)

// table is one keyed read model with a lazily sorted key list for cursor paging.
type table[V any] struct {
	rows   map[string]*V
	keys   []string
	sorted bool
}

func newTable[V any]() table[V] { return table[V]{rows: map[string]*V{}, sorted: true} }

func (t *table[V]) put(key string, v *V) {
	if _, ok := t.rows[key]; !ok {
		t.keys = append(t.keys, key)
		t.sorted = false
	}
	t.rows[key] = v
}

// page walks rows in key order after the cursor and counts every match in Total.
// Callers hold the write lock: the keys may need sorting.
func (t *table[V]) page(after string, limit int, match func(*V) bool) projections.Page[V] {
	if !t.sorted {
		slices.Sort(t.keys)
		t.sorted = true
	}
	limit = projections.ClampLimit(limit)
	p := projections.Page[V]{Items: []V{}}
	last := ""
	for _, k := range t.keys {
		v := t.rows[k]
		if !match(v) {
			continue
		}
		p.Total++
		if after != "" && k <= after {
			continue
		}
		if len(p.Items) < limit {
			p.Items = append(p.Items, *v)
			last = k
		} else {
			p.Next = last
		}
	}
	return p
}

// Directory is the in-memory 一单两库 read model.
type Directory struct {
	mu          sync.RWMutex
	guard       projections.Guard
	enterprises table[projections.EnterpriseView]
	inspectors  table[projections.InspectorView]
	items       table[projections.ItemView]
}

var (
	_ projections.Projector        = (*Directory)(nil)
	_ projections.DirectoryQueries = (*Directory)(nil)
)

func NewDirectory() *Directory {
	return &Directory{
		enterprises: newTable[projections.EnterpriseView](),
		inspectors:  newTable[projections.InspectorView](),
		items:       newTable[projections.ItemView](),
	}
}

func (d *Directory) Name() string { return "directory" }

// Apply folds one event in, skipping redeliveries (version ≤ stored).
func (d *Directory) Apply(e event.Envelope) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case strings.HasPrefix(e.Type, "directory.enterprise_"):
		key := strings.TrimPrefix(e.Stream, "enterprise-")
		row := d.enterprises.rows[key]
		if row == nil {
			row = &projections.EnterpriseView{}
		}
		if !d.guard.Admit(e.Stream, row.Version, e.Version) {
			return nil
		}
		next := *row
		if err := directory.ApplyEnterprise(&next.Enterprise, e.Type, e.Payload); err != nil {
			return err
		}
		next.Version = e.Version
		d.enterprises.put(key, &next)
	case strings.HasPrefix(e.Type, "directory.inspector_"):
		key := strings.TrimPrefix(e.Stream, "inspector-")
		row := d.inspectors.rows[key]
		if row == nil {
			row = &projections.InspectorView{}
		}
		if !d.guard.Admit(e.Stream, row.Version, e.Version) {
			return nil
		}
		next := *row
		next.Conflicts = slices.Clone(row.Conflicts) // rows handed out earlier must not change
		if err := directory.ApplyInspector(&next.Inspector, e.Type, e.Payload); err != nil {
			return err
		}
		next.Version = e.Version
		d.inspectors.put(key, &next)
	case strings.HasPrefix(e.Type, "directory.item_"):
		key := strings.TrimPrefix(e.Stream, "item-")
		row := d.items.rows[key]
		if row == nil {
			row = &projections.ItemView{}
		}
		if !d.guard.Admit(e.Stream, row.Version, e.Version) {
			return nil
		}
		next := *row
		if err := directory.ApplyItem(&next.Item, e.Type, e.Payload); err != nil {
			return err
		}
		next.Version = e.Version
		d.items.put(key, &next)
	}
	return nil
}

// Guard reports how many redeliveries were skipped and gaps flagged.
func (d *Directory) Guard() projections.Guard {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.guard
}

func (d *Directory) Enterprise(_ context.Context, uscc string) (projections.EnterpriseView, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if r, ok := d.enterprises.rows[uscc]; ok {
		return *r, nil
	}
	return projections.EnterpriseView{}, projections.ErrNotFound
}

func (d *Directory) Enterprises(_ context.Context, f projections.EnterpriseFilter) (projections.Page[projections.EnterpriseView], error) {
	d.mu.Lock() // page may sort the keys
	defer d.mu.Unlock()
	return d.enterprises.page(f.After, f.Limit, func(v *projections.EnterpriseView) bool {
		return strings.HasPrefix(v.RegionCode, f.RegionPrefix) &&
			(f.Industry == "" || v.Industry == f.Industry) &&
			(f.EntityType == "" || v.EntityType == f.EntityType) &&
			(f.Status == "" || v.Status == f.Status) &&
			(f.Tier == "" || string(v.Tier) == f.Tier) &&
			(f.Name == "" || strings.Contains(v.Name, f.Name))
	}), nil
}

func (d *Directory) Inspector(_ context.Context, id string) (projections.InspectorView, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if r, ok := d.inspectors.rows[id]; ok {
		return *r, nil
	}
	return projections.InspectorView{}, projections.ErrNotFound
}

func (d *Directory) Inspectors(_ context.Context, f projections.InspectorFilter) (projections.Page[projections.InspectorView], error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.inspectors.page(f.After, f.Limit, func(v *projections.InspectorView) bool {
		return (f.Department == "" || v.Department == f.Department) &&
			v.Qualified(f.Qualification) &&
			(f.Active == nil || v.Active == *f.Active)
	}), nil
}

func (d *Directory) Item(_ context.Context, code string) (projections.ItemView, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if r, ok := d.items.rows[code]; ok {
		return *r, nil
	}
	return projections.ItemView{}, projections.ErrNotFound
}

func (d *Directory) Items(_ context.Context, f projections.ItemFilter) (projections.Page[projections.ItemView], error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.items.page(f.After, f.Limit, func(v *projections.ItemView) bool {
		return (f.Department == "" || v.Department == f.Department) &&
			(f.Category == "" || v.Category == f.Category)
	}), nil
}

func (d *Directory) Counts(context.Context) (projections.DirectoryCounts, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return projections.DirectoryCounts{
		Enterprises: len(d.enterprises.rows), Inspectors: len(d.inspectors.rows), Items: len(d.items.rows),
	}, nil
}

// AllEnterprises yields every enterprise (in no set order), holding the read lock while it
// runs so that an announcement sees one consistent directory.
func (d *Directory) AllEnterprises(ctx context.Context) iter.Seq[directory.Enterprise] {
	return func(yield func(directory.Enterprise) bool) {
		d.mu.RLock()
		defer d.mu.RUnlock()
		for _, k := range d.enterprises.keys {
			if ctx.Err() != nil || !yield(d.enterprises.rows[k].Enterprise) {
				return
			}
		}
	}
}

// Roster is every inspector, by id.
func (d *Directory) Roster(context.Context) ([]directory.Inspector, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]directory.Inspector, 0, len(d.inspectors.rows))
	for _, r := range d.inspectors.rows {
		in := r.Inspector
		in.Conflicts = slices.Clone(in.Conflicts)
		out = append(out, in)
	}
	slices.SortFunc(out, func(a, b directory.Inspector) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
