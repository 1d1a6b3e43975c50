package eventlog

import (
	"runtime"
	"sync"
)

// parallel calls fn(worker, lo, hi) over [0, n) split into contiguous ranges. It returns the
// first error; ranges not yet started are skipped once one fails.
func parallel(n, workers int, fn func(worker, lo, hi int) error) error {
	if n == 0 {
		return nil
	}
	workers = min(max(workers, 1), n)
	if workers == 1 {
		return fn(0, 0, n)
	}
	grain := min(max(n/(workers*16), 1), 256)
	var (
		mu    sync.Mutex
		next  int
		first error
		wg    sync.WaitGroup
	)
	take := func() (int, int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if first != nil || next >= n {
			return 0, 0, false
		}
		lo := next
		next = min(n, next+grain)
		return lo, next, true
	}
	for w := range workers {
		wg.Go(func() {
			for {
				lo, hi, ok := take()
				if !ok {
					return
				}
				if err := fn(w, lo, hi); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

func defaultWorkers() int { return runtime.GOMAXPROCS(0) }
