package draw

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseSeeds(t *testing.T) {
	in := "# NY lottery, 2004-05-01\n9319\r\n\n  2 5\t12 8 10  \n\t# drawn order\n9 18 26 34 41 45"
	got, err := ParseSeeds(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]uint64{{9319}, {2, 5, 12, 8, 10}, {9, 18, 26, 34, 41, 45}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseSeeds = %v, want %v", got, want)
	}
	if Key(got) != rfcKey {
		t.Fatalf("Key = %q", Key(got))
	}
	got, err = ParseSeeds(strings.NewReader("007 18446744073709551615\n"))
	if err != nil || !reflect.DeepEqual(got, [][]uint64{{7, 1<<64 - 1}}) {
		t.Fatalf("ParseSeeds = %v, %v", got, err)
	}
}

func TestParseSeedsErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ErrNoSources.Error()},
		{"# only\n\n  \n", ErrNoSources.Error()},
		{"1\n2 x3\n", "line 2: bad token \"x3\""},
		{"1\n\n-4\n", "line 3: negative number -4"},
		{"12.5\n", "line 1: non-integer 12.5"},
		{"18446744073709551616\n", "line 1: number 18446744073709551616 overflows 64 bits"},
		{"1 2 # trailing comment\n", "line 1: bad token \"#\""},
		{"+5\n", "line 1: bad token \"+5\""},
		{"1,2\n", "line 1: bad token \"1,2\""},
		{"\uFEFF9319\n", "line 1: bad token"},
		{strings.Repeat("1", maxLine+1), "line 1: longer than"},
	} {
		_, err := ParseSeeds(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseSeeds(%.30q) error %v, want %q", tc.in, err, tc.want)
		}
	}
	_, err := ParseSeeds(strings.NewReader("1\n-2\n"))
	var le *LineError
	if !errors.As(err, &le) || le.Line != 2 {
		t.Errorf("error %v is not a *LineError for line 2", err)
	}
}

func TestParsePool(t *testing.T) {
	got, err := ParsePool(strings.NewReader("John\r\nMary\nSt. John's  Co.\nlast-no-newline"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"John", "Mary", "St. John's  Co.", "last-no-newline"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParsePool = %q, want %q", got, want)
	}
}

func TestParsePoolErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ErrEmptyPool.Error()},
		{"a\n\nb\n", "line 2: blank line"},
		{"a\nb\n\n", "line 3: blank line"},
		{"a\n \t\n", "line 2: blank line"},
		{"a\nb\na\n", "line 3: duplicates line 1"},
		{"a\nb\r\r\n", "line 2: control character '\\r'"},
		{"a\x00b\n", "line 1: control character '\\x00'"},
		{"\uFEFFa\n", "line 1: byte-order mark"},
	} {
		_, err := ParsePool(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParsePool(%q) error %v, want %q", tc.in, err, tc.want)
		}
	}
}
