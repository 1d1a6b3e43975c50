package plan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/choucha/choucha/domain/assign"
	"github.com/choucha/choucha/domain/directory"
	"github.com/choucha/choucha/domain/draw"
)

// AuditData is everything an auditor (or court, or 纪检) needs to recompute a plan's draw and
// assignment; Recompute does so. JSON:
//
//	{"plan": "…", "algorithm": "RFC3797-MD5 (…)", "seed_sources": [[…], …],
//	 "tiers": {"S1": "A", …},
//	 "strata": [{"label", "pool_size", "pool_sha256", "ratio", "count", "pool": […], "drawn": […]}],
//	 "ineligible": {"region": n, "cap:yearly_cap_A": n, …},
//	 "assignment": {"team_size", "cap", "roster": […]},
//	 "tasks": [{"task": {…}, "result": {…}}], "substitutions": […]}
//
// Tiers (the label→tier map, which with the pools is the frozen tier of every enterprise),
// pools, ineligible counts and everything about inspectors are confidential; Public is the
// view anyone may see.
type AuditData struct {
	Plan          string                    `json:"plan"`
	Algorithm     string                    `json:"algorithm"`
	SeedSources   [][]uint64                `json:"seed_sources"`
	Tiers         map[string]directory.Tier `json:"tiers,omitempty"`
	Strata        []AuditStratum            `json:"strata"`
	Ineligible    map[string]int            `json:"ineligible,omitempty"`
	Assignment    *AuditAssignment          `json:"assignment,omitempty"`
	Tasks         []AuditTask               `json:"tasks,omitempty"`
	Substitutions []assign.Substitution     `json:"substitutions,omitempty"`
}

type AuditStratum struct {
	Label      string   `json:"label"`
	PoolSize   int      `json:"pool_size"`
	PoolSHA256 string   `json:"pool_sha256"`
	Ratio      Ratio    `json:"ratio"`
	Count      int      `json:"count"`
	Pool       []string `json:"pool"`
	Drawn      []string `json:"drawn"`
}

// AuditAssignment holds the assignment inputs besides the key (from the seed) and the tasks.
type AuditAssignment struct {
	TeamSize int                   `json:"team_size"`
	Cap      int                   `json:"cap"`
	Roster   []directory.Inspector `json:"roster"`
}

// AuditTask is one task (an input of the assignment) with its recorded result.
type AuditTask struct {
	Task   assign.Task   `json:"task"`
	Result assign.Result `json:"result"`
}

// PublicView is what the public sees of a draw: per stratum only label, size, commitment, ratio
// and count, and the drawn enterprises as one list, ascending, without strata.
type PublicView struct {
	Plan        string          `json:"plan"`
	Algorithm   string          `json:"algorithm"`
	Seed        SeedSource      `json:"seed"`
	SeedSources [][]uint64      `json:"seed_sources,omitempty"`
	Strata      []PublicStratum `json:"strata"`
	Drawn       []string        `json:"drawn,omitempty"`
}

type PublicStratum struct {
	Label      string `json:"label"`
	PoolSize   int    `json:"pool_size"`
	PoolSHA256 string `json:"pool_sha256"`
	Ratio      Ratio  `json:"ratio"`
	Count      int    `json:"count"`
}

// Audit returns the plan's audit data as it stands (no draw before DrawEnterprises, no tasks
// before AssignInspectors). Pools are shared with the plan.
func (p *Plan) Audit() AuditData {
	a := AuditData{Plan: p.spec.ID, Algorithm: Algorithm, SeedSources: p.sources, Ineligible: p.ineligible}
	if len(p.strata) > 0 {
		a.Tiers = make(map[string]directory.Tier, len(p.strata))
	}
	for _, s := range p.strata {
		a.Tiers[s.Label] = s.Tier
		a.Strata = append(a.Strata, AuditStratum{Label: s.Label, PoolSize: s.PoolSize, PoolSHA256: s.PoolSHA256, Ratio: s.Ratio, Count: s.Count, Pool: s.Pool, Drawn: s.Drawn})
	}
	if in, rec, ok := p.Assignment(); ok {
		a.Assignment = &AuditAssignment{TeamSize: in.TeamSize, Cap: in.Cap, Roster: in.Roster}
		byTask := make(map[string]assign.Result, len(rec.Results))
		for _, r := range rec.Results {
			byTask[r.Task] = r
		}
		for _, t := range in.Tasks {
			a.Tasks = append(a.Tasks, AuditTask{Task: t, Result: byTask[t.ID]})
		}
		a.Substitutions = rec.Substitutions
	}
	return a
}

// Public returns the public view of the plan's draw.
func (p *Plan) Public() PublicView {
	v := PublicView{Plan: p.spec.ID, Algorithm: Algorithm, Seed: p.spec.Seed, SeedSources: p.sources}
	for _, s := range p.strata {
		v.Strata = append(v.Strata, PublicStratum{Label: s.Label, PoolSize: s.PoolSize, PoolSHA256: s.PoolSHA256, Ratio: s.Ratio, Count: s.Count})
	}
	v.Drawn = slices.Sorted(slices.Values(p.Drawn()))
	return v
}

// Mismatch is one published value that recomputation does not reproduce. Want is the
// recomputed value, Got the published one. Index is the position in a list field (pool, drawn,
// team, …), -1 for a scalar. Stratum or Task says where.
type Mismatch struct {
	Stratum string `json:"stratum,omitempty"`
	Task    string `json:"task,omitempty"`
	Field   string `json:"field"`
	Index   int    `json:"index"`
	Want    string `json:"want"`
	Got     string `json:"got"`
}

func (m Mismatch) String() string {
	where := m.Stratum
	if m.Task != "" {
		where = "task " + m.Task
	}
	return fmt.Sprintf("%s %s[%d]: want %q, got %q", where, m.Field, m.Index, m.Want, m.Got)
}

// Result is what Recompute computed from the published inputs.
type Result struct {
	Strata []StratumResult `json:"strata"`
}

type StratumResult struct {
	Label      string   `json:"label"`
	PoolSize   int      `json:"pool_size"`
	PoolSHA256 string   `json:"pool_sha256"`
	Count      int      `json:"count"`
	Drawn      []string `json:"drawn"`
}

// Recompute checks published audit data: per stratum the pool's canonical order, its size and
// SHA-256, the count from the ratio, and every pick from the seed; then, if present, the whole
// assignment (assign.Verify). Picks are recomputed with the recomputed count, so a wrong count
// shows as the count and as the missing or extra drawn entries. It reports every difference.
func Recompute(a AuditData) (Result, []Mismatch) {
	var res Result
	var out []Mismatch
	add := func(stratum, field string, index int, want, got string) {
		out = append(out, Mismatch{Stratum: stratum, Field: field, Index: index, Want: want, Got: got})
	}
	if a.Algorithm != Algorithm {
		add("", "algorithm", -1, Algorithm, a.Algorithm)
	}
	seedOK := len(a.SeedSources) > 0 && !slices.ContainsFunc(a.SeedSources, func(s []uint64) bool { return len(s) == 0 })
	if !seedOK {
		add("", "seed_sources", -1, "one or more nonempty sources", fmt.Sprint(a.SeedSources))
	}
	key := draw.Key(a.SeedSources)
	for i, s := range a.Strata {
		if want := fmt.Sprintf("S%d", i+1); s.Label != want {
			add(s.Label, "label", i, want, s.Label)
		}
		if a.Tiers != nil {
			if t, ok := a.Tiers[s.Label]; !ok || (i > 0 && t <= a.Tiers[a.Strata[i-1].Label]) {
				add(s.Label, "tier", i, "a tier after the previous stratum's", string(t))
			}
		}
		for j := range s.Pool {
			if strings.ContainsAny(s.Pool[j], "\n\r") || (j > 0 && s.Pool[j-1] >= s.Pool[j]) {
				add(s.Label, "pool", j, "ascending, unique, one line each", s.Pool[j])
				break // one disorder is enough: the commitment cannot hold either
			}
		}
		r := StratumResult{Label: s.Label, PoolSize: len(s.Pool), PoolSHA256: PoolSHA256(s.Pool), Count: s.Ratio.Count(len(s.Pool))}
		if r.PoolSize != s.PoolSize {
			add(s.Label, "pool_size", -1, strconv.Itoa(r.PoolSize), strconv.Itoa(s.PoolSize))
		}
		if r.PoolSHA256 != s.PoolSHA256 {
			add(s.Label, "pool_sha256", -1, r.PoolSHA256, s.PoolSHA256)
		}
		if s.Ratio == 0 || s.Ratio > RatioOne {
			add(s.Label, "ratio", -1, "0 < r ≤ 1", s.Ratio.String())
		}
		if r.Count != s.Count {
			add(s.Label, "count", -1, strconv.Itoa(r.Count), strconv.Itoa(s.Count))
		}
		if seedOK && r.Count <= r.PoolSize {
			picks, err := draw.Select(draw.StratumKey(key, s.Label), r.PoolSize, r.Count)
			if err != nil {
				add(s.Label, "drawn", -1, err.Error(), "")
			}
			r.Drawn = make([]string, len(picks))
			for j, k := range picks {
				r.Drawn[j] = s.Pool[k]
			}
			for j := range max(len(r.Drawn), len(s.Drawn)) {
				w, g := at(r.Drawn, j), at(s.Drawn, j)
				if w != g {
					add(s.Label, "drawn", j, w, g)
				}
			}
		}
		res.Strata = append(res.Strata, r)
	}
	if a.Assignment != nil {
		out = append(out, recomputeAssignment(a, key, res)...)
	}
	return res, out
}

func at(xs []string, i int) string {
	if i < len(xs) {
		return xs[i]
	}
	return "(none)"
}

// recomputeAssignment checks that there is one task per drawn enterprise and that the results
// and substitutions follow from the recorded inputs.
func recomputeAssignment(a AuditData, key string, res Result) []Mismatch {
	var out []Mismatch
	var drawn, tasked []string
	for _, s := range res.Strata {
		drawn = append(drawn, s.Drawn...)
	}
	in := assign.Inputs{Key: key, TeamSize: a.Assignment.TeamSize, Cap: a.Assignment.Cap, Roster: a.Assignment.Roster}
	rec := assign.Record{Substitutions: a.Substitutions}
	for _, t := range a.Tasks {
		in.Tasks = append(in.Tasks, t.Task)
		rec.Results = append(rec.Results, t.Result)
		tasked = append(tasked, t.Task.USCC)
	}
	slices.Sort(drawn)
	slices.Sort(tasked)
	for j := range max(len(drawn), len(tasked)) {
		if w, g := at(drawn, j), at(tasked, j); w != g {
			out = append(out, Mismatch{Field: "tasks", Index: j, Want: w, Got: g})
			break // the sorted lists are shifted from here on
		}
	}
	for _, m := range assign.Verify(in, rec) {
		out = append(out, Mismatch{Task: m.Task, Field: m.Field, Index: m.Index, Want: m.Want, Got: m.Got})
	}
	return out
}
