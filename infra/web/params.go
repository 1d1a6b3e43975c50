package web

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/directory"
)

// params reads query parameters and collects every problem at once.
type params struct {
	q      url.Values
	issues []commands.Issue
}

func newParams(q url.Values) *params { return &params{q: q} }

func (p *params) add(field, code, param string) {
	p.issues = append(p.issues, commands.Issue{Field: field, Code: code, Param: param})
}

func (p *params) err() error {
	if len(p.issues) == 0 {
		return nil
	}
	return invalid(p.issues...)
}

// text is a trimmed value of at most max characters.
func (p *params) text(name string, max int) string {
	v := strings.TrimSpace(p.q.Get(name))
	if !utf8.ValidString(v) {
		p.add(name, "utf8", "")
		return ""
	}
	if utf8.RuneCountInString(v) > max {
		p.add(name, "max", strconv.Itoa(max))
		return ""
	}
	return v
}

// date is "" or a YYYY-MM-DD date.
func (p *params) date(name string) string {
	v := strings.TrimSpace(p.q.Get(name))
	if v == "" {
		return ""
	}
	if _, err := time.Parse(directory.DateLayout, v); err != nil {
		p.add(name, "date", directory.DateLayout)
		return ""
	}
	return v
}

// dateRange reads from and to and checks their order.
func (p *params) dateRange() (from, to string) {
	from, to = p.date("from"), p.date("to")
	if from != "" && to != "" && from > to {
		p.add("to", "date_order", from)
	}
	return from, to
}

// oneOf is "" (then def) or one of allowed.
func (p *params) oneOf(name, def string, allowed ...string) string {
	v := strings.TrimSpace(p.q.Get(name))
	if v == "" {
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.add(name, "oneof", strings.Join(allowed, " "))
	return def
}

// limit is a page size from 1 to max (def when absent).
func (p *params) limit(def, max int) int {
	v := strings.TrimSpace(p.q.Get("limit"))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		p.add("limit", "limit", strconv.Itoa(max))
		return def
	}
	return n
}
