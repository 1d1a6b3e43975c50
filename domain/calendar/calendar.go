// Package calendar knows Chinese working days: Monday to Friday, minus the official holidays
// (放假), plus the weekends declared working days (调休上班), as the State Council General Office
// announces them each year. Deadlines such as "results public within 20 working days" (DOMAIN
// rule 10) count these days.
//
// The data are one file per year under data/ ("2026.txt"), each naming its notice; add a year by
// adding its file. A year without a file is not covered: its days are judged by the weekday
// alone, which misses holidays and 调休. Every answer that may rest on such a guess says so:
// Covered for a year, AddWorkingDaysChecked for a deadline. Nothing is silently extrapolated.
package calendar

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed data/*.txt
var data embed.FS

// Calendar is the working-day calendar of the years it holds notices for.
type Calendar struct {
	days    map[civil]bool // listed days: false = 放假, true = 上班
	sources map[int]string // year → the notice it was read from
}

type civil struct {
	y int
	m time.Month
	d int
}

func civilOf(t time.Time) civil {
	y, m, d := t.Date()
	return civil{y, m, d}
}

// Default is the embedded calendar. A malformed data file is a build defect, hence the panic
// (the package's tests parse every file).
var Default = sync.OnceValue(func() *Calendar {
	c, err := New(data)
	if err != nil {
		panic(err)
	}
	return c
})

// New reads every "<year>.txt" under "data" in fsys. Each file starts with "year <year>" and
// "source <notice>", then one line per fact:
//
//	放假 2026-02-15..2026-02-23 春节   days off (a range includes its weekends)
//	上班 2026-02-14 春节               a Saturday or Sunday that is a working day
//
// Lines starting with '#' are comments. A file may list days of the adjacent years (a
// holiday that starts on 31 December); a day listed twice, in one file or two, is an error.
func New(fsys fs.FS) (*Calendar, error) {
	names, err := fs.Glob(fsys, "data/*.txt")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("calendar: no data/*.txt")
	}
	c := &Calendar{days: map[civil]bool{}, sources: map[int]string{}}
	for _, name := range names {
		f, err := fsys.Open(name)
		if err != nil {
			return nil, err
		}
		err = c.read(path.Base(name), f)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Calendar) read(name string, f fs.File) error {
	year, err := strconv.Atoi(strings.TrimSuffix(name, ".txt"))
	if err != nil {
		return fmt.Errorf("calendar: %s: file name is not <year>.txt", name)
	}
	bad := func(n int, format string, a ...any) error {
		return fmt.Errorf("calendar: %s line %d: %s", name, n, fmt.Sprintf(format, a...))
	}
	sc := bufio.NewScanner(f)
	n, header := 0, 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch {
		case header == 0:
			if key != "year" || rest != strconv.Itoa(year) {
				return bad(n, "want \"year %d\" first, got %q", year, line)
			}
			if _, dup := c.sources[year]; dup {
				return bad(n, "year %d read twice", year)
			}
			header++
			continue
		case header == 1:
			if key != "source" || rest == "" {
				return bad(n, "want \"source <notice>\" second, got %q", line)
			}
			c.sources[year] = rest
			header++
			continue
		}
		var work bool
		switch key {
		case "放假":
		case "上班":
			work = true
		default:
			return bad(n, "want 放假 or 上班, got %q", key)
		}
		span, holiday, _ := strings.Cut(rest, " ")
		if strings.TrimSpace(holiday) == "" {
			return bad(n, "the holiday's name is missing")
		}
		fromS, toS, isRange := strings.Cut(span, "..")
		if !isRange {
			toS = fromS
		}
		from, err1 := time.Parse(time.DateOnly, fromS)
		to, err2 := time.Parse(time.DateOnly, toS)
		switch {
		case err1 != nil || err2 != nil:
			return bad(n, "bad date in %q", span)
		case to.Before(from):
			return bad(n, "range %q ends before it starts", span)
		case from.Year() < year-1 || to.Year() > year+1:
			return bad(n, "%q is not in or next to %d", span, year)
		case work && isRange:
			return bad(n, "上班 names single days")
		}
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			if work && !weekend(d) {
				return bad(n, "上班 on %s, a %s: only a weekend can be declared a working day", d.Format(time.DateOnly), d.Weekday())
			}
			k := civilOf(d)
			if _, dup := c.days[k]; dup {
				return bad(n, "%s is listed twice", d.Format(time.DateOnly))
			}
			c.days[k] = work
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("calendar: %s: %w", name, err)
	}
	if header < 2 {
		return fmt.Errorf("calendar: %s: want \"year\" and \"source\" lines", name)
	}
	return nil
}

func weekend(t time.Time) bool {
	wd := t.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// Covered reports whether the calendar holds the notice for year.
func (c *Calendar) Covered(year int) bool {
	_, ok := c.sources[year]
	return ok
}

// Source names the notice a covered year was read from.
func (c *Calendar) Source(year int) (string, bool) {
	s, ok := c.sources[year]
	return s, ok
}

// Years lists the covered years, ascending.
func (c *Calendar) Years() []int {
	out := make([]int, 0, len(c.sources))
	for y := range c.sources {
		out = append(out, y)
	}
	slices.Sort(out)
	return out
}

// IsWorkingDay reports whether d's calendar date (in d's location) is a working day. For a
// year that is not Covered the answer rests on the weekday alone.
func (c *Calendar) IsWorkingDay(d time.Time) bool {
	if work, listed := c.days[civilOf(d)]; listed {
		return work
	}
	return !weekend(d)
}

// AddWorkingDays returns the n-th working day after d's date (n > 0), or before it (n < 0),
// at midnight in d's location; n = 0 returns d's date itself. d's own day never counts: the
// publication deadline of an inspection on d is AddWorkingDays(d, 20), the 20th working day
// after the inspection date, and a result published on that day is on time.
// See AddWorkingDaysChecked for whether every day counted was covered.
func (c *Calendar) AddWorkingDays(d time.Time, n int) time.Time {
	t, _ := c.AddWorkingDaysChecked(d, n)
	return t
}

// AddWorkingDaysChecked is AddWorkingDays and whether the answer is exact: false when a day
// it stepped over (after d, up to the result) lies in a year that is not Covered, so the
// result may be early by the holidays of that year and late by its 调休 days.
func (c *Calendar) AddWorkingDaysChecked(d time.Time, n int) (t time.Time, exact bool) {
	y, m, day := d.Date()
	t, exact = time.Date(y, m, day, 0, 0, 0, 0, d.Location()), true
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		t = t.AddDate(0, 0, step)
		if !c.Covered(t.Year()) {
			exact = false
		}
		if c.IsWorkingDay(t) {
			n--
		}
	}
	return t, exact
}

// Package-level shorthands for the embedded calendar.

func Covered(year int) bool         { return Default().Covered(year) }
func IsWorkingDay(d time.Time) bool { return Default().IsWorkingDay(d) }
func AddWorkingDays(d time.Time, n int) time.Time {
	return Default().AddWorkingDays(d, n)
}
func AddWorkingDaysChecked(d time.Time, n int) (time.Time, bool) {
	return Default().AddWorkingDaysChecked(d, n)
}
