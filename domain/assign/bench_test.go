package assign_test

import (
	"fmt"
	"testing"

	"github.com/choucha/choucha/domain/assign"
)

// A city-sized joint batch: 20,000 visits by two departments, one item needing a
// qualification held by a third of one department's 1,500 officers.
func BenchmarkAssignJointBatch(b *testing.B) {
	ros := roster(staff("x", "X", 1500), staff("y", "Y", 500))
	for i := range ros {
		if i%3 == 0 && ros[i].Department == "X" {
			ros[i].Qualifications = []string{"q"}
		}
	}
	ros[1].Active = false
	in := assign.Inputs{Key: key, TeamSize: 2, Cap: 40, Roster: ros}
	for i := range 20_000 {
		tk := task(fmt.Sprintf("p-%06d", i), "X", "Y")
		tk.Requirements = []assign.Requirement{{"X", "q"}}
		in.Tasks = append(in.Tasks, tk)
	}
	b.ResetTimer()
	for range b.N {
		rs, err := assign.Assign(in)
		if err != nil {
			b.Fatal(err)
		}
		if rs[len(rs)-1].Status != assign.StatusOK {
			b.Fatal(rs[len(rs)-1])
		}
	}
}
