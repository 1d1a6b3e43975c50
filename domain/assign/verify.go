package assign

import (
	"fmt"
	"strconv"
)

// Mismatch is one recorded value that recomputation does not reproduce. Want is the recomputed
// value, Got the recorded one; Index is the position in a list field, -1 for a scalar field.
type Mismatch struct {
	Task  string `json:"task"`
	Field string `json:"field"`
	Index int    `json:"index"`
	Want  string `json:"want"`
	Got   string `json:"got"`
}

// none stands for a missing list element in a Mismatch.
const none = "(none)"

// Verify recomputes the assignment and every substitution from the inputs and reports each
// difference with the record. Substitutions are recomputed from the recomputed results and
// the earlier recomputed substitutions; only their requests (task, out, reason) are taken from
// the record, so one altered entry is reported where it is and does not hide later ones.
func Verify(in Inputs, rec Record) []Mismatch {
	want, err := Assign(in)
	if err != nil {
		return []Mismatch{{Field: "inputs", Index: -1, Want: "valid inputs", Got: err.Error()}}
	}
	var out []Mismatch
	if len(want) != len(rec.Results) {
		out = append(out, Mismatch{Field: "results", Index: -1, Want: strconv.Itoa(len(want)), Got: strconv.Itoa(len(rec.Results))})
	}
	for i := range min(len(want), len(rec.Results)) {
		out = append(out, compareResult(want[i], rec.Results[i])...)
	}
	chain := Record{Results: want}
	for i, got := range rec.Substitutions {
		w, err := Substitute(in, chain, got.Task, got.Out, got.Reason)
		if err != nil {
			out = append(out, Mismatch{Task: got.Task, Field: fmt.Sprintf("substitutions[%d]", i), Index: -1, Want: "error: " + err.Error(), Got: got.In})
			continue
		}
		chain.Substitutions = append(chain.Substitutions, w)
		out = append(out, compareSubstitution(i, w, got)...)
	}
	return out
}

func compareResult(w, g Result) []Mismatch {
	var out []Mismatch
	scalar := func(field, want, got string) {
		if want != got {
			out = append(out, Mismatch{Task: w.Task, Field: field, Index: -1, Want: want, Got: got})
		}
	}
	scalar("task", w.Task, g.Task)
	scalar("size", strconv.Itoa(w.Size), strconv.Itoa(g.Size))
	scalar("status", w.Status, g.Status)
	scalar("reason", w.Reason, g.Reason)
	out = append(out, compareList(w.Task, "team", w.Team, g.Team)...)
	out = append(out, compareList(w.Task, "partial", w.Partial, g.Partial)...)
	out = append(out, compareList(w.Task, "skips", skipStrings(w.Skips), skipStrings(g.Skips))...)
	scalar("picks", strconv.FormatUint(w.Picks, 10), strconv.FormatUint(g.Picks, 10))
	return out
}

func compareSubstitution(i int, w, g Substitution) []Mismatch {
	var out []Mismatch
	f := func(name string) string { return fmt.Sprintf("substitutions[%d].%s", i, name) }
	scalar := func(field, want, got string) {
		if want != got {
			out = append(out, Mismatch{Task: w.Task, Field: f(field), Index: -1, Want: want, Got: got})
		}
	}
	scalar("in", w.In, g.In)
	scalar("status", w.Status, g.Status)
	scalar("unfilled", w.Unfilled, g.Unfilled)
	out = append(out, compareList(w.Task, f("team"), w.Team, g.Team)...)
	out = append(out, compareList(w.Task, f("partial"), w.Partial, g.Partial)...)
	out = append(out, compareList(w.Task, f("skips"), skipStrings(w.Skips), skipStrings(g.Skips))...)
	scalar("picks", strconv.FormatUint(w.Picks, 10), strconv.FormatUint(g.Picks, 10))
	return out
}

func compareList(task, field string, want, got []string) []Mismatch {
	var out []Mismatch
	for i := range max(len(want), len(got)) {
		w, g := none, none
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			out = append(out, Mismatch{Task: task, Field: field, Index: i, Want: w, Got: g})
		}
	}
	return out
}

func skipStrings(skips []Skip) []string {
	out := make([]string, len(skips))
	for i, s := range skips {
		out[i] = s.String()
	}
	return out
}
