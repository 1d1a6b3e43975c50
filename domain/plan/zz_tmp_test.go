package plan_test

import (
	"testing"

	"github.com/choucha/choucha/domain/directory"
)

var tmpCodes = func() []string {
	out := make([]string, 1<<16)
	for i := range out {
		out[i] = uscc(i * 1237 % 99999991)
	}
	return out
}()

func BenchmarkTmpValidate(b *testing.B) {
	for i := range b.N {
		if directory.ValidateUSCC(tmpCodes[i&(1<<16-1)]) != nil {
			b.Fatal()
		}
	}
}

var tbl = func() (t [256]bool) {
	for _, c := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
		t[c] = true
	}
	return
}()

func BenchmarkTmpGuard(b *testing.B) {
	for i := range b.N {
		s := tmpCodes[i&(1<<16-1)]
		if len(s) != 18 {
			b.Fatal()
		}
		ok := true
		for j := 0; j < 18; j++ {
			ok = ok && tbl[s[j]]
		}
		if !ok {
			b.Fatal()
		}
	}
}
