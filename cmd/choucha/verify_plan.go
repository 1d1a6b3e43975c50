package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/choucha/choucha/domain/plan"
)

// runVerifyPlan recomputes a plan's draw and assignment from its auditor export
// (GET /api/v1/plans/{id}/audit) and says exactly what does not match. Exit 0: it matches;
// 1: a mismatch; 2: the file cannot be read as an export.
func runVerifyPlan(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: choucha verify plan FILE   (the JSON of GET /api/v1/plans/{id}/audit; - for stdin)")
		return 2
	}
	var raw []byte
	var err error
	if args[0] == "-" {
		raw, err = io.ReadAll(os.Stdin)
	} else {
		raw, err = os.ReadFile(args[0])
	}
	if err != nil {
		fmt.Fprintln(stderr, "verify plan:", err)
		return 2
	}
	var a plan.AuditData
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		fmt.Fprintf(stderr, "verify plan: %s is not an auditor export: %v\n", args[0], err)
		return 2
	}
	res, mismatches := plan.Recompute(a)
	if len(mismatches) > 0 {
		fmt.Fprintf(stdout, "MISMATCH: plan %s: %d published values are not what the inputs give\n", a.Plan, len(mismatches))
		for _, m := range mismatches {
			fmt.Fprintln(stdout, "  "+m.String())
		}
		return 1
	}
	drawn := 0
	for _, s := range res.Strata {
		drawn += len(s.Drawn)
	}
	fmt.Fprintf(stdout, "MATCH: plan %s: %d strata, %d enterprises drawn, %d tasks, %d substitutions recomputed from the seed %v\n",
		a.Plan, len(res.Strata), drawn, len(a.Tasks), len(a.Substitutions), a.SeedSources)
	return 0
}
