package ui

import (
	"fmt"
	"math"
	"strconv"

	"github.com/candor-project/candor"
)

// Counts as the console shows them: a count under minCount is shown as
// "<10" and drawn without its size, so that no table or chart singles out
// a handful of people. A total that would give a suppressed count away
// (the others subtracted from it) is rounded to tens.

// minCount is the smallest count the console shows.
const minCount = 10

type countView struct {
	N          int
	Text       string
	Suppressed bool
	About      bool // a total rounded to tens (Text "about N")
}

func count(n int) countView {
	if n < minCount {
		return countView{Text: "<" + strconv.Itoa(minCount), Suppressed: true}
	}
	return countView{N: n, Text: strconv.Itoa(n)}
}

// total is a count that sums others: rounded to tens if any of them is
// suppressed.
func total(n int, parts []countView) countView {
	c := count(n)
	for _, p := range parts {
		if p.Suppressed && !c.Suppressed {
			r := int(math.Round(float64(n)/10)) * 10
			return countView{N: r, Text: "about " + strconv.Itoa(r), About: true}
		}
	}
	return c
}

type matrixRow struct {
	Grade string
	Cells []countView
	Total countView
}

// matrixView is a grade migration as a table and a chart.
type matrixView struct {
	From, To        string // "rental-deposit v1"
	Cols            []string
	Rows            []matrixRow
	Total, Up, Down countView
	Chart           bubbleChart
	Epsilon         float64 // the noise the counts carry
	Margin          int64
}

func migrationView(m *candor.GradeMigration) matrixView {
	v := matrixView{From: fmt.Sprintf("%s v%d", m.From.ID, m.From.Version), To: fmt.Sprintf("%s v%d", m.To.ID, m.To.Version),
		Epsilon: m.Epsilon, Margin: m.Margin}
	for _, g := range m.To.Grades {
		v.Cols = append(v.Cols, g.Grade)
	}
	var all, up, down []countView
	for _, from := range m.From.Grades {
		row := matrixRow{Grade: from.Grade}
		sum := 0
		for _, to := range m.To.Grades {
			n := m.Count(from.Grade, to.Grade)
			sum += n
			c := count(n)
			row.Cells = append(row.Cells, c)
			// The same ranking Migrate counts Up and Down with.
			switch a, b := m.From.GradeRank(from.Grade), m.From.GradeRank(to.Grade); {
			case b < 0:
			case b < a:
				up = append(up, c)
			case b > a:
				down = append(down, c)
			}
		}
		row.Total = total(sum, row.Cells)
		all = append(all, row.Cells...)
		v.Rows = append(v.Rows, row)
	}
	v.Total = total(m.Total, all)
	// Rounded like any total over a suppressed cell: exact, the shown
	// cells subtracted from them would give a suppressed one away.
	v.Up, v.Down = total(m.Up, up), total(m.Down, down)
	v.Chart = bubbles(v, localeAt(0))
	return v
}

// bubbleChart is the migration matrix drawn as an SVG grid: a circle per
// cell whose area is its count, a dashed ring for a suppressed one; its
// words in l's language.
type bubbleChart struct {
	Width, Height int
	Cols, Rows    []axisLabel
	Cells         []bubble
	Title, Desc   string
}

type axisLabel struct {
	X, Y int
	Text string
}

type bubble struct {
	X, Y       int
	R          string
	Suppressed bool
	Label      string
}

const (
	cellSize = 56
	margin   = 64
)

func bubbles(v matrixView, l locale) bubbleChart {
	c := bubbleChart{Width: margin + cellSize*len(v.Cols) + 8, Height: margin + cellSize*len(v.Rows) + 8,
		Title: l.T("Grade migration from %s to %s", v.From, v.To),
		Desc:  l.T("Rows: grade under %s. Columns: grade under %s. Circle area: number of subjects; dashed rings: fewer than 10.", v.From, v.To)}
	largest := 0
	for _, r := range v.Rows {
		for _, n := range r.Cells {
			largest = max(largest, n.N)
		}
	}
	for j, g := range v.Cols {
		c.Cols = append(c.Cols, axisLabel{X: margin + j*cellSize + cellSize/2, Y: margin - 12, Text: g})
	}
	for i, r := range v.Rows {
		y := margin + i*cellSize + cellSize/2
		c.Rows = append(c.Rows, axisLabel{X: margin - 14, Y: y + 5, Text: r.Grade})
		for j, n := range r.Cells {
			b := bubble{X: margin + j*cellSize + cellSize/2, Y: y, Suppressed: n.Suppressed,
				Label: l.T("%s to %s: %s", r.Grade, v.Cols[j], l.C(n))}
			rad := 6.0
			if !n.Suppressed && largest > 0 {
				rad = math.Max(3, float64(cellSize/2-3)*math.Sqrt(float64(n.N)/float64(largest)))
			}
			b.R = strconv.FormatFloat(rad, 'f', 1, 64)
			c.Cells = append(c.Cells, b)
		}
	}
	return c
}

// barChart is a grade distribution drawn as SVG columns; a suppressed
// count has no column, only its "<10" label.
type barChart struct {
	Width, Height int
	Base          int // the y of the axis
	Bars          []column
	CountY        int  // the y of the counts, below the grades
	Drawn         bool // some count is not suppressed: there is a column to draw
	Title, Desc   string
}

type column struct {
	X, Y, W, H int
	LabelX     int
	Grade      string
	Count      countView
}

func columns(title string, rows []gradeRow, l locale) barChart {
	const colW, gap, plotH, top = 44, 20, 160, 24
	c := barChart{Width: gap + len(rows)*(colW+gap), Height: top + plotH + 48, Base: top + plotH, CountY: top + plotH + 42, Title: title,
		Desc: l.T("Number of subjects with each grade; grades with fewer than 10 are not drawn.")}
	largest := 0
	for _, r := range rows {
		largest = max(largest, r.Count.N)
	}
	for i, r := range rows {
		x := gap + i*(colW+gap)
		col := column{X: x, W: colW, LabelX: x + colW/2, Grade: r.Grade, Count: r.Count, Y: c.Base}
		if !r.Count.Suppressed && largest > 0 {
			col.H = max(1, int(math.Round(float64(plotH)*float64(r.Count.N)/float64(largest))))
			col.Y = c.Base - col.H
			c.Drawn = true
		}
		c.Bars = append(c.Bars, col)
	}
	return c
}
