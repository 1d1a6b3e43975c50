//go:build !linux

package eventlog_test

// maxRSS is not measured off Linux.
func maxRSS() float64 { return 0 }
