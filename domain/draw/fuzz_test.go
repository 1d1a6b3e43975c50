package draw

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func FuzzParseSeeds(f *testing.F) {
	for _, s := range []string{
		"9319\n2 5 12 8 10\n9 18 26 34 41 45\n", "# c\n\n1\r\n", "-1", "1.5", "0 007\t3",
		"18446744073709551616", "\uFEFF1", "", "1 # x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		src, err := ParseSeeds(strings.NewReader(in))
		if err != nil {
			return
		}
		// Accepted input round-trips through its canonical text, and so does its key.
		var b strings.Builder
		for _, s := range src {
			if len(s) == 0 {
				t.Fatalf("empty source from %q", in)
			}
			for j, v := range s {
				if j > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(strconv.FormatUint(v, 10))
			}
			b.WriteByte('\n')
		}
		again, err := ParseSeeds(strings.NewReader(b.String()))
		if err != nil || !reflect.DeepEqual(src, again) {
			t.Fatalf("round trip of %q: %v, %v -> %v", in, src, err, again)
		}
		if Key(src) != Key(again) {
			t.Fatal("key changed in round trip")
		}
	})
}

func FuzzParsePool(f *testing.F) {
	for _, s := range []string{
		"John\nMary\n", "a\r\nb", "a\n\nb", "a\na", "\uFEFFa", "a\rb", "", "x\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		pool, err := ParsePool(strings.NewReader(in))
		if err != nil {
			return
		}
		again, err := ParsePool(strings.NewReader(strings.Join(pool, "\n") + "\n"))
		if err != nil || !slices.Equal(pool, again) {
			t.Fatalf("round trip of %q: %q, %v -> %q", in, pool, err, again)
		}
	})
}

func FuzzSelect(f *testing.F) {
	f.Add(rfcKey, uint16(25), uint16(16))
	f.Add("", uint16(0), uint16(0))
	f.Add("1./S1/", uint16(1000), uint16(1000))
	f.Fuzz(func(t *testing.T, key string, n, k uint16) {
		n %= 3000
		if n > 0 {
			k %= n + 1
		} else {
			k = 0
		}
		got, err := Select(key, int(n), int(k))
		if err != nil {
			t.Fatal(err)
		}
		if want := naiveSelect(key, int(n), int(k)); !slices.Equal(got, want) {
			t.Fatalf("key %q n=%d k=%d: tree %v, naive %v", key, n, k, got, want)
		}
	})
}
