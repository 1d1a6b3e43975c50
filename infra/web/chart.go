package web

import (
	"fmt"
	"strconv"
)

// chart is an SVG drawing in user units; the template writes one element per entry.
type chart struct {
	ID, Title     string
	Width, Height float64
	Note          string // e.g. how many groups were left out
	Bars          []bar
	Texts         []text
	Lines         []line
}

type bar struct {
	X, Y, W, H float64
	Class, Tip string
}

type text struct {
	X, Y          float64
	Anchor, Class string
	Text          string
}

type line struct{ X1, Y1, X2, Y2 float64 }

const (
	chartWidth = 720
	maxBands   = 40
)

func pct(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + "%" }

func clamp01(v float64) float64 { return min(max(v, 0), 1) }

// legend draws the two series' keys at the top.
func (c *chart) legend(series []string) {
	x := 8.0
	for i, s := range series {
		cls := "s" + strconv.Itoa(i+1)
		c.Bars = append(c.Bars, bar{X: x, Y: 8, W: 12, H: 12, Class: cls})
		c.Texts = append(c.Texts, text{X: x + 18, Y: 18, Text: s, Class: "legend"})
		x += 30 + float64(14*len([]rune(s)))
	}
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// hbarChart: one band per group, a bar per series (completion, problem rate), 0–100 %.
func hbarChart(id, title string, series []string, rows []tally) *chart {
	c := &chart{ID: id, Title: title, Width: chartWidth}
	if len(rows) > maxBands {
		c.Note = fmt.Sprint(len(rows) - maxBands)
		rows = rows[:maxBands]
	}
	const labelW, plotW, top, barH, bandH = 190.0, 450.0, 36.0, 12.0, 34.0
	bottom := top + bandH*float64(len(rows))
	c.Height = bottom + 28
	c.legend(series)
	for _, p := range []float64{0, .25, .5, .75, 1} {
		x := labelW + plotW*p
		c.Lines = append(c.Lines, line{X1: x, Y1: top - 4, X2: x, Y2: bottom})
		c.Texts = append(c.Texts, text{X: x, Y: bottom + 16, Anchor: "middle", Text: pct(p), Class: "axis"})
	}
	for i, r := range rows {
		y := top + bandH*float64(i)
		c.Texts = append(c.Texts, text{X: labelW - 8, Y: y + bandH/2 + 4, Anchor: "end", Text: shorten(r.Label, 13)})
		for k, pt := range rates(r) {
			by := y + 4 + float64(k)*(barH+2)
			val := pt.v
			if !pt.ok {
				c.Texts = append(c.Texts, text{X: labelW + 4, Y: by + barH - 2, Text: "—", Class: "value"})
				continue
			}
			w := plotW * clamp01(val)
			c.Bars = append(c.Bars, bar{X: labelW, Y: by, W: w, H: barH, Class: "s" + strconv.Itoa(k+1), Tip: r.Label + " · " + series[k] + " " + pct(val)})
			c.Texts = append(c.Texts, text{X: labelW + w + 4, Y: by + barH - 2, Text: pct(val), Class: "value"})
		}
	}
	return c
}

type point struct {
	v  float64
	ok bool
}

// rates are the two series: completion and problem-found rate.
func rates(t tally) []point {
	c, cok := t.Completion()
	p, pok := t.ProblemRate()
	return []point{{c, cok}, {p, pok}}
}

// columnChart: one band per period, a column per series, 0–100 %.
func columnChart(id, title string, series []string, rows []tally) *chart {
	c := &chart{ID: id, Title: title, Width: chartWidth}
	if len(rows) > maxBands {
		c.Note = fmt.Sprint(len(rows) - maxBands)
		rows = rows[len(rows)-maxBands:] // the latest periods
	}
	const left, plotW, top, plotH = 52.0, 650.0, 36.0, 220.0
	bottom := top + plotH
	c.Height = bottom + 30
	c.legend(series)
	for _, p := range []float64{0, .25, .5, .75, 1} {
		y := bottom - plotH*p
		c.Lines = append(c.Lines, line{X1: left, Y1: y, X2: left + plotW, Y2: y})
		c.Texts = append(c.Texts, text{X: left - 6, Y: y + 4, Anchor: "end", Text: pct(p), Class: "axis"})
	}
	band := plotW / float64(max(len(rows), 1))
	barW := min(26, band*0.36)
	every := 1 + len(rows)/12 // label every period up to 12, then thin out
	for i, r := range rows {
		x0 := left + band*float64(i) + band/2
		if i%every == 0 {
			c.Texts = append(c.Texts, text{X: x0, Y: bottom + 16, Anchor: "middle", Text: r.Label, Class: "axis"})
		}
		for k, pt := range rates(r) {
			val := pt.v
			if !pt.ok {
				continue
			}
			h := plotH * clamp01(val)
			x := x0 - barW + float64(k)*barW
			c.Bars = append(c.Bars, bar{X: x, Y: bottom - h, W: barW - 1, H: h, Class: "s" + strconv.Itoa(k+1), Tip: r.Label + " · " + series[k] + " " + pct(val)})
		}
	}
	return c
}
