package draw

import (
	"crypto/md5"
	"encoding/binary"
	"math/bits"
)

// MaxPicks is the number of picks a Stream defines: counters 0…MaxPicks-1.
const MaxPicks uint64 = 1 << 32

// rfcPicks is the number of picks RFC 3797 itself defines (two-byte counter).
const rfcPicks = 1 << 16

// Digest returns the MD5 value of pick i for key: MD5(be16(i) ‖ key ‖ be16(i)) for i < 65536
// (RFC 3797), MD5(be32(i) ‖ key ‖ be32(i)) for 65536 ≤ i < 2^32 (this package's extension).
// It panics for i ≥ 2^32.
func Digest(key string, i uint64) [md5.Size]byte {
	buf := make([]byte, 0, len(key)+8)
	return digest(buf, key, i)
}

func digest(buf []byte, key string, i uint64) [md5.Size]byte {
	buf = buf[:0]
	switch {
	case i < rfcPicks:
		buf = binary.BigEndian.AppendUint16(buf, uint16(i))
		buf = append(buf, key...)
		buf = binary.BigEndian.AppendUint16(buf, uint16(i))
	case i < MaxPicks:
		buf = binary.BigEndian.AppendUint32(buf, uint32(i))
		buf = append(buf, key...)
		buf = binary.BigEndian.AppendUint32(buf, uint32(i))
	default:
		panic("draw: pick counter beyond 2^32")
	}
	return md5.Sum(buf)
}

// mod128 returns the big-endian 128-bit value d modulo m (m > 0), as the reference code's
// longremainder does byte by byte.
func mod128(d [md5.Size]byte, m uint64) uint64 {
	hi := binary.BigEndian.Uint64(d[:8])
	lo := binary.BigEndian.Uint64(d[8:])
	return bits.Rem64(hi%m, lo, m)
}

// Stream yields the successive picks of one key. Pick i depends only on the key, i and the
// number of candidates remaining, so continuing a stream (a substitution) never changes the
// picks already made.
type Stream struct {
	key string
	i   uint64
	buf []byte
}

// NewStream starts the pick stream of key at pick 0.
func NewStream(key string) *Stream {
	return &Stream{key: key, buf: make([]byte, 0, len(key)+8)}
}

// Next makes the next pick among remaining candidates and returns its 0-based position among
// them, in pool order. It panics if remaining < 1 or after MaxPicks picks.
func (s *Stream) Next(remaining int) int {
	if remaining < 1 {
		panic("draw: Stream.Next with no remaining candidates")
	}
	d := digest(s.buf, s.key, s.i)
	s.i++
	return int(mod128(d, uint64(remaining)))
}

// Picks returns how many picks the stream has made, i.e. the counter of the next pick.
func (s *Stream) Picks() uint64 { return s.i }
