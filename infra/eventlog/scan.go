package eventlog

import (
	"context"

	"go.etcd.io/bbolt"
)

// RawScan counts what a raw read of the log found.
type RawScan struct {
	Events uint64
	Bytes  uint64
}

// ScanRaw reads every stored event record in log order without decoding it: the floor any
// reader of the log (a rebuild, a projection) is measured against.
func (b *Bolt) ScanRaw(ctx context.Context) (RawScan, error) {
	var r RawScan
	err := b.scan(ctx, bucketEvents, func(_ *bbolt.Tx, _, v []byte) error {
		r.Events++
		r.Bytes += uint64(len(v))
		return nil
	})
	return r, err
}
