package draw

import (
	"slices"
	"strconv"
)

// Key returns the RFC 3797 §4 key string of the seed sources: per source the values sorted
// ascending, each followed by ".", the source followed by "/". The input is not modified.
// A source without values, which RFC 3797 does not define and ParseSeeds never returns,
// contributes a bare "/".
func Key(sources [][]uint64) string {
	var b []byte
	for _, src := range sources {
		vals := slices.Clone(src)
		slices.Sort(vals)
		for _, v := range vals {
			b = strconv.AppendUint(b, v, 10)
			b = append(b, '.')
		}
		b = append(b, '/')
	}
	return string(b)
}

// StratumKey extends a key for one stratum (or any other sub-draw, e.g. "inspectors/<task>")
// by appending "<label>/", so that each stratum draws from its own pick stream.
func StratumKey(key, label string) string {
	return key + label + "/"
}
