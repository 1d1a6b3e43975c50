// Package draw implements verifiable random selection exactly as RFC 3797 (Publicly Verifiable
// NomCom Random Selection) §4 and its reference code specify, so that anyone with the published
// seeds and pool can recompute a draw with an independent implementation.
//
// # Key string (RFC 3797 §4)
//
// Each seed source is a list of values. The values of one source are sorted ascending
// (numerically), each is written in decimal without leading zeros and followed by ".", and the
// source is terminated by "/". The sources are concatenated in their given order:
//
//	"9319" / "2 5 12 8 10" / "9 18 26 34 41 45"  →  "9319./2.5.8.10.12./9.18.26.34.41.45./"
//
// Only non-negative integers are supported. RFC 3797 also allows non-integer values (written
// with "." between integer and fraction, trailing fraction zeros dropped, no terminating ".")
// and alphanumeric values (canonicalised to upper case); this package rejects both rather than
// guess at a canonical form.
//
// A stratum's key is the key string followed by "<label>/" (see [StratumKey]).
//
// # Picks
//
// Pick i (i = 0, 1, 2, …, as in the reference code) computes
//
//	d = MD5(be16(i) ‖ key ‖ be16(i))
//
// reads d as a 128-bit big-endian unsigned integer, and selects the (d mod m)-th (0-based) of
// the m candidates not yet selected, in pool order. More picks never change earlier ones.
//
// # Extension past 65,536 picks
//
// RFC 3797 encodes i in two bytes, so it defines only picks 0…65535. For 65536 ≤ i < 2^32
// this package uses four bytes on both sides instead:
//
//	d = MD5(be32(i) ‖ key ‖ be32(i))
//
// Picks 0…65535 are therefore exactly RFC 3797. Within one key no two picks hash the same
// input (the two encodings differ in length). Picks from 2^32 on are not defined; [MaxPool]
// keeps every [Select] below them.
//
// # Cost
//
// [Select] takes k of n in O(n/64 + k log n) time and about n/8 bytes. [Remaining] keeps a
// bitmap of the pool and a Fenwick tree of counts per 512-candidate block; one O(log n)
// descent finds and removes the k-th remaining candidate, instead of the reference code's
// O(n) scan per pick, and never copies or shifts the pool.
package draw
