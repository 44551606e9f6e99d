package ui

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/candor-project/candor"
)

// The open-data page: the monthly releases of the statistics service,
// each table as a table and a chart, and the arrears and dispute rates
// over the months released. Every number on it carries noise; a noisy
// count under 10 is shown as "<10", as on the console.

type openDataView struct {
	Releases []releaseView
	Trend    lineChart
}

type releaseView struct {
	Month     string
	Published time.Time
	Epsilon   float64
	Tables    []statTableView
}

type statTableView struct {
	Title string
	Note  string
	Rows  []statRow
	Chart hbarChart
}

type statRow struct {
	Label string
	Count countView
	Rate  string
}

var tableTitles = map[candor.StatTable]string{
	candor.StatCategories: "Persons with a fact of each category", candor.StatSources: "Persons with a fact from each kind of source",
	candor.StatEventTypes: "Persons with a fact of each type", candor.StatArrears: "Persons who fell into arrears",
	candor.StatDisputes: "Persons with a fact under dispute",
}

func (s *Server) openData(w http.ResponseWriter, r *http.Request) {
	rels, err := s.cfg.Statistics.Releases(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var v openDataView
	l := localeOf(nil, r)
	for _, rel := range rels {
		rv := releaseView{Month: sentence(l.Month(rel.Month)), Published: rel.Published, Epsilon: rel.Epsilon}
		for _, t := range rel.Tables {
			rv.Tables = append(rv.Tables, statTable(t, l))
		}
		v.Releases = append(v.Releases, rv)
	}
	v.Trend = trend(rels, l)
	s.render(w, r, http.StatusOK, "open_data", "Open data", "open-data", v)
}

// statTable is a released table as the page shows it, in l's language.
func statTable(t *candor.StatResult, l locale) statTableView {
	title := l.T(tableTitles[t.Table])
	if t.Table == candor.StatGrades {
		title = l.T("Subjects by grade: %s", strings.TrimPrefix(strings.Split(t.Query, "&")[1], "scorecard="))
	}
	tv := statTableView{Title: title, Note: l.T("ε %s; each subject in at most %d cells; noise within ±%d 95 %% of the time",
		l.Dec(t.Epsilon, -1), t.Bound, t.Margin)}
	for _, c := range t.Cells {
		row := statRow{Label: statLabel(c.Labels[len(c.Labels)-1], l), Count: count(int(c.Count))}
		if c.Rate != nil && !row.Count.Suppressed {
			row.Rate = l.Pct(*c.Rate)
		}
		tv.Rows = append(tv.Rows, row)
	}
	tv.Chart = hbars(tv.Title, tv.Rows)
	return tv
}

// statLabel is a cell's label in l's language: "any fact" for all, a
// category's, a kind of source's or a type's name in words.
func statLabel(label string, l locale) string {
	if label == "all" {
		return l.T("any fact")
	}
	return l.Word(label)
}

// hbarChart is a table drawn as SVG horizontal bars, a label on the
// left; a suppressed count has no bar, only its "<10".
type hbarChart struct {
	Width, Height int
	Bars          []hbar
	Title         string
}

type hbar struct {
	Y, W, TextX, TextY int
	Label              string
	Count              countView
}

const (
	hbarLabelW = 220
	hbarPlotW  = 300
	hbarRowH   = 22
)

func hbars(title string, rows []statRow) hbarChart {
	c := hbarChart{Width: hbarLabelW + hbarPlotW + 70, Height: len(rows)*hbarRowH + 8, Title: title}
	largest := 0
	for _, r := range rows {
		largest = max(largest, r.Count.N)
	}
	for i, r := range rows {
		b := hbar{Y: 4 + i*hbarRowH, Label: r.Label, Count: r.Count}
		if !r.Count.Suppressed && largest > 0 {
			b.W = max(1, int(math.Round(hbarPlotW*float64(r.Count.N)/float64(largest))))
		}
		b.TextX, b.TextY = hbarLabelW+b.W+6, b.Y+15
		c.Bars = append(c.Bars, b)
	}
	return c
}

// lineChart is the arrears and dispute rates of the released months as
// SVG lines, oldest month first.
type lineChart struct {
	Width, Height int
	Base          int
	Series        []series
	Months        []axisLabel
	Top           string // the rate at the top of the plot
	Drawn         bool
}

type series struct {
	Name, Class, Points string
	Dots                []axisLabel // a dot per month, so that one month shows too
}

func trend(rels []*candor.StatRelease, l locale) lineChart {
	const w, h, left, top = 560, 200, 48, 16
	c := lineChart{Width: w + left + 16, Height: top + h + 40, Base: top + h}
	rates := map[candor.StatTable][]float64{}
	n := len(rels)
	for i := n - 1; i >= 0; i-- { // oldest first
		for _, t := range rels[i].Tables {
			if t.Table != candor.StatArrears && t.Table != candor.StatDisputes {
				continue
			}
			rate := 0.0
			for _, cell := range t.Cells {
				if cell.Rate != nil {
					rate = *cell.Rate
				}
			}
			rates[t.Table] = append(rates[t.Table], rate)
		}
		x := left + w/2
		if n > 1 {
			x = left + (n-1-i)*w/(n-1)
		}
		c.Months = append(c.Months, axisLabel{X: x, Y: top + h + 20, Text: l.ShortMonth(rels[i].Month)})
	}
	peak := 0.0
	for _, rs := range rates {
		for _, r := range rs {
			peak = max(peak, r)
		}
	}
	if n == 0 {
		return c
	}
	if peak == 0 {
		peak = 0.01 // flat lines on a scale of 1 %
	}
	c.Drawn, c.Top = true, l.Pct(peak)
	for _, t := range []candor.StatTable{candor.StatArrears, candor.StatDisputes} {
		se := series{Name: l.T(string(t)), Class: "line-" + string(t)}
		var pts []string
		for i, r := range rates[t] {
			y := top + h - int(math.Round(float64(h)*r/peak))
			pts = append(pts, fmt.Sprintf("%d,%d", c.Months[i].X, y))
			se.Dots = append(se.Dots, axisLabel{X: c.Months[i].X, Y: y, Text: l.T("%s %s: %s", c.Months[i].Text, l.T(string(t)), l.Pct(r))})
		}
		se.Points = strings.Join(pts, " ")
		c.Series = append(c.Series, se)
	}
	return c
}
