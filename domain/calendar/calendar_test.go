package calendar_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/choucha/choucha/domain/calendar"
)

var cst = time.FixedZone("CST", 8*3600)

func day(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, cst)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCovered(t *testing.T) {
	for y, want := range map[int]bool{2023: false, 2024: true, 2025: true, 2026: true, 2027: false} {
		if got := calendar.Covered(y); got != want {
			t.Errorf("Covered(%d) = %v", y, got)
		}
	}
	for _, y := range []int{2024, 2025, 2026} {
		src, ok := calendar.Default().Source(y)
		if !ok || !strings.Contains(src, "国办发明电") || !strings.Contains(src, "年部分节假日安排的通知") {
			t.Errorf("Source(%d) = %q", y, src)
		}
	}
}

// Days named in the notices, each with its weekday checked so that a typo in the data or the
// test shows.
func TestKnownDays(t *testing.T) {
	cases := []struct {
		date    string
		weekday time.Weekday
		working bool
		why     string
	}{
		{"2024-01-01", time.Monday, false, "元旦"},
		{"2024-02-04", time.Sunday, true, "春节调休上班"},
		{"2024-02-09", time.Friday, true, "除夕 2024: not a holiday (rest only encouraged)"},
		{"2024-02-10", time.Saturday, false, "春节"},
		{"2024-02-16", time.Friday, false, "春节"},
		{"2024-02-18", time.Sunday, true, "春节调休上班"},
		{"2024-04-07", time.Sunday, true, "清明调休上班"},
		{"2024-04-28", time.Sunday, true, "劳动节调休上班"},
		{"2024-05-11", time.Saturday, true, "劳动节调休上班"},
		{"2024-06-10", time.Monday, false, "端午节"},
		{"2024-09-14", time.Saturday, true, "中秋调休上班"},
		{"2024-09-16", time.Monday, false, "中秋节"},
		{"2024-09-29", time.Sunday, true, "国庆调休上班"},
		{"2024-10-07", time.Monday, false, "国庆节"},
		{"2024-10-08", time.Tuesday, true, "after 国庆"},
		{"2024-10-12", time.Saturday, true, "国庆调休上班"},
		{"2024-10-13", time.Sunday, false, "an ordinary Sunday"},
		{"2025-01-01", time.Wednesday, false, "元旦, no 调休"},
		{"2025-01-26", time.Sunday, true, "春节调休上班"},
		{"2025-01-28", time.Tuesday, false, "除夕: a statutory day from 2025"},
		{"2025-02-04", time.Tuesday, false, "正月初七"},
		{"2025-02-08", time.Saturday, true, "春节调休上班"},
		{"2025-04-27", time.Sunday, true, "劳动节调休上班"},
		{"2025-05-02", time.Friday, false, "5月2日: a statutory day from 2025"},
		{"2025-05-05", time.Monday, false, "劳动节"},
		{"2025-06-02", time.Monday, false, "端午节"},
		{"2025-09-28", time.Sunday, true, "国庆中秋调休上班"},
		{"2025-10-08", time.Wednesday, false, "国庆中秋 8 days"},
		{"2025-10-11", time.Saturday, true, "国庆中秋调休上班"},
		{"2026-01-02", time.Friday, false, "元旦"},
		{"2026-01-04", time.Sunday, true, "元旦调休上班"},
		{"2026-02-14", time.Saturday, true, "春节调休上班"},
		{"2026-02-16", time.Monday, false, "除夕"},
		{"2026-02-23", time.Monday, false, "正月初七"},
		{"2026-02-24", time.Tuesday, true, "after 春节"},
		{"2026-02-28", time.Saturday, true, "春节调休上班"},
		{"2026-04-06", time.Monday, false, "清明节"},
		{"2026-05-05", time.Tuesday, false, "劳动节"},
		{"2026-05-09", time.Saturday, true, "劳动节调休上班"},
		{"2026-06-19", time.Friday, false, "端午节"},
		{"2026-09-20", time.Sunday, true, "国庆调休上班"},
		{"2026-09-25", time.Friday, false, "中秋节"},
		{"2026-10-07", time.Wednesday, false, "国庆节"},
		{"2026-10-10", time.Saturday, true, "国庆调休上班"},
		// Not covered: the weekday decides.
		{"2023-10-02", time.Monday, true, "2023 not covered: weekday only"},
		{"2027-01-01", time.Friday, true, "2027 not covered: weekday only"},
		{"2027-01-02", time.Saturday, false, "2027 not covered: weekday only"},
	}
	for _, c := range cases {
		d := day(c.date)
		if d.Weekday() != c.weekday {
			t.Errorf("%s is a %s, the case says %s", c.date, d.Weekday(), c.weekday)
		}
		if got := calendar.IsWorkingDay(d); got != c.working {
			t.Errorf("IsWorkingDay(%s) = %v, want %v (%s)", c.date, got, c.working, c.why)
		}
	}
}

// Each holiday's length as the notices state it ("共N天"), and each year's count of working
// days (2024: 251, as widely reported; 2025 and 2026: 248 each).
func TestHolidayLengthsAndYearTotals(t *testing.T) {
	spans := []struct {
		from, to string
		days     int
	}{
		{"2024-02-10", "2024-02-17", 8}, {"2024-04-04", "2024-04-06", 3}, {"2024-05-01", "2024-05-05", 5},
		{"2024-09-15", "2024-09-17", 3}, {"2024-10-01", "2024-10-07", 7},
		{"2025-01-28", "2025-02-04", 8}, {"2025-04-04", "2025-04-06", 3}, {"2025-05-01", "2025-05-05", 5},
		{"2025-05-31", "2025-06-02", 3}, {"2025-10-01", "2025-10-08", 8},
		{"2026-01-01", "2026-01-03", 3}, {"2026-02-15", "2026-02-23", 9}, {"2026-04-04", "2026-04-06", 3},
		{"2026-05-01", "2026-05-05", 5}, {"2026-06-19", "2026-06-21", 3}, {"2026-09-25", "2026-09-27", 3},
		{"2026-10-01", "2026-10-07", 7},
	}
	for _, s := range spans {
		n := 0
		for d := day(s.from); !d.After(day(s.to)); d = d.AddDate(0, 0, 1) {
			if !calendar.IsWorkingDay(d) {
				n++
			}
		}
		// The days either side work (or are plain weekends): the span is the whole holiday.
		before, after := day(s.from).AddDate(0, 0, -1), day(s.to).AddDate(0, 0, 1)
		if !calendar.IsWorkingDay(before) && before.Weekday() != time.Saturday && before.Weekday() != time.Sunday {
			t.Errorf("%s: the day before is off too", s.from)
		}
		if !calendar.IsWorkingDay(after) && after.Weekday() != time.Saturday && after.Weekday() != time.Sunday {
			t.Errorf("%s: the day after is off too", s.to)
		}
		if n != s.days {
			t.Errorf("%s..%s: %d days off, the notice says %d", s.from, s.to, n, s.days)
		}
	}
	for y, want := range map[int]int{2024: 251, 2025: 248, 2026: 248} {
		n := 0
		for d := time.Date(y, 1, 1, 0, 0, 0, 0, cst); d.Year() == y; d = d.AddDate(0, 0, 1) {
			if calendar.IsWorkingDay(d) {
				n++
			}
		}
		if n != want {
			t.Errorf("%d: %d working days, want %d", y, n, want)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	cases := []struct {
		from  string
		n     int
		want  string
		exact bool
	}{
		{"2024-09-27", 1, "2024-09-29", true},  // Friday → the 调休 Sunday
		{"2024-09-30", 1, "2024-10-08", true},  // over 国庆
		{"2024-10-08", -1, "2024-09-30", true}, // backwards
		{"2024-10-03", 0, "2024-10-03", true},  // n = 0: the day itself, working or not
		// 20 working days after Monday 2025-01-20 cross 春节 with both its 调休 days:
		// weekdays alone would give 2025-02-17.
		{"2025-01-20", 20, "2025-02-21", true},
		// A Friday inspection before 中秋 and 国庆 2026.
		{"2026-09-18", 20, "2026-10-22", true},
		// An inspection on a holiday: counting starts the next day.
		{"2026-02-16", 1, "2026-02-24", true},
		// Into 2027, not covered: 1 January 2027 is counted as a working day, and the flag says so.
		{"2026-12-30", 3, "2027-01-04", false},
		{"2023-06-01", 1, "2023-06-02", false},
	}
	for _, c := range cases {
		got, exact := calendar.AddWorkingDaysChecked(day(c.from), c.n)
		if got.Format(time.DateOnly) != c.want || exact != c.exact {
			t.Errorf("AddWorkingDaysChecked(%s, %d) = %s, %v; want %s, %v", c.from, c.n, got.Format(time.DateOnly), exact, c.want, c.exact)
		}
		if plain := calendar.AddWorkingDays(day(c.from), c.n); !plain.Equal(got) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, differs from the checked form", c.from, c.n, plain)
		}
	}
}

// The calendar date is read in the time's own location, and the answer is midnight there.
func TestAddWorkingDaysKeepsTheLocation(t *testing.T) {
	late := time.Date(2024, 9, 30, 23, 30, 0, 0, cst) // 2024-09-30 15:30 UTC: the same date
	got := calendar.AddWorkingDays(late, 1)
	if want := time.Date(2024, 10, 8, 0, 0, 0, 0, cst); !got.Equal(want) || got.Location() != cst {
		t.Fatalf("got %s, want %s", got, want)
	}
	early := time.Date(2024, 10, 7, 20, 0, 0, 0, time.UTC) // 2024-10-08 04:00 in China
	if !calendar.IsWorkingDay(early.In(cst)) || calendar.IsWorkingDay(early) {
		t.Fatal("a date is the date of its location")
	}
}

func TestNewRejectsMalformedData(t *testing.T) {
	good := "year 2030\nsource 某通知\n放假 2030-01-01 元旦\n"
	if c, err := calendar.New(fstest.MapFS{"data/2030.txt": {Data: []byte(good)}}); err != nil || !c.Covered(2030) || c.IsWorkingDay(day("2030-01-01")) {
		t.Fatalf("good file: %v", err)
	}
	bad := map[string]string{
		"wrong year":          "year 2031\nsource x\n",
		"no source":           "year 2030\n放假 2030-01-01 元旦\n",
		"unknown kind":        "year 2030\nsource x\n休息 2030-01-01 元旦\n",
		"weekday 上班":          "year 2030\nsource x\n上班 2030-01-02 元旦\n", // a Wednesday
		"上班 range":            "year 2030\nsource x\n上班 2030-01-05..2030-01-06 元旦\n",
		"listed twice":        "year 2030\nsource x\n放假 2030-01-01 元旦\n放假 2029-12-31..2030-01-01 元旦\n",
		"reversed range":      "year 2030\nsource x\n放假 2030-01-03..2030-01-01 元旦\n",
		"far year":            "year 2030\nsource x\n放假 2032-01-01 元旦\n",
		"bad date":            "year 2030\nsource x\n放假 2030-02-30 元旦\n",
		"no holiday name":     "year 2030\nsource x\n放假 2030-01-01\n",
		"empty":               "# nothing\n",
		"header out of order": "source x\nyear 2030\n",
	}
	for name, txt := range bad {
		if _, err := calendar.New(fstest.MapFS{"data/2030.txt": {Data: []byte(txt)}}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := calendar.New(fstest.MapFS{"data/x.txt": {Data: []byte(good)}}); err == nil {
		t.Error("a file not named <year>.txt was accepted")
	}
	if _, err := calendar.New(fstest.MapFS{}); err == nil {
		t.Error("no data accepted")
	}
}
