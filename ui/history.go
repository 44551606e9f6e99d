package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/candor-project/candor"
)

// The grade history on a person's grades page: their grade under each
// active scorecard on the first of each of the past 24 months and today,
// drawn as a server-rendered SVG step chart (no script), with the same
// figures as a table for screen readers and for copying.

// historyMonths is how many months back the history reaches.
const historyMonths = 24

// historyInstants returns midnight UTC on the first of each of the past
// historyMonths months, oldest first, and now.
func historyInstants(now time.Time) []time.Time {
	now = now.UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	out := make([]time.Time, 0, historyMonths+1)
	for k := historyMonths - 1; k >= 0; k-- {
		out = append(out, first.AddDate(0, -k, 0))
	}
	return append(out, now)
}

// historyChart is one scorecard's grade history as an SVG.
type historyChart struct {
	Width, Height int
	Title, Desc   string
	Grades        []axisLabel // one per grade band, highest at the top
	Lines         []gridLine  // a rule under each grade's label
	Months        []axisLabel // a label every few months
	Path          string      // the step line through every point
	Points        []historyPoint
	Rows          []gradeAtView // the table
}

type gridLine struct{ X1, Y, X2 int }

type historyPoint struct {
	X, Y  int
	Label string
}

type gradeAtView struct {
	At           time.Time
	Grade        string
	Points       int
	Now, Changed bool
}

const (
	histLeft, histTop, histRow, histStep = 50, 12, 30, 20
)

// historyChartOf draws h.
func historyChartOf(h candor.GradeHistory, l locale) *historyChart {
	sc := h.Scorecard
	n := len(h.Grades)
	c := &historyChart{Width: histLeft + histStep*(n-1) + 24, Height: histTop + histRow*len(sc.Grades) + 28,
		Title: l.T("%s: your grade over the past two years", l.data(sc.Title)),
		Desc:  l.T("Your %s grade on the first of each month and today; grades from %s (top) to %s (bottom).", l.data(sc.Title), sc.Grades[0].Grade, sc.Grades[len(sc.Grades)-1].Grade)}
	y := func(grade string) int { return histTop + histRow*max(sc.GradeRank(grade), 0) + histRow/2 }
	for _, b := range sc.Grades {
		c.Grades = append(c.Grades, axisLabel{X: histLeft - 10, Y: y(b.Grade) + 5, Text: b.Grade})
		c.Lines = append(c.Lines, gridLine{X1: histLeft, Y: y(b.Grade), X2: c.Width - 12})
	}
	var path strings.Builder
	for i, g := range h.Grades {
		x := histLeft + histStep*i
		switch {
		case i == 0:
			fmt.Fprintf(&path, "M%d %d", x, y(g.Grade))
		default:
			fmt.Fprintf(&path, " H%d V%d", x, y(g.Grade))
		}
		when := l.D(g.At)
		if i == n-1 {
			when = l.T("today")
		}
		c.Points = append(c.Points, historyPoint{X: x, Y: y(g.Grade), Label: l.T("%s: grade %s, %d points", when, g.Grade, g.Points)})
		if i%6 == 0 && i < n-1 {
			c.Months = append(c.Months, axisLabel{X: x, Y: c.Height - 8, Text: g.At.Format("01/06")})
		}
		c.Rows = append(c.Rows, gradeAtView{At: g.At, Grade: g.Grade, Points: g.Points, Now: i == n-1, Changed: i > 0 && g.Grade != h.Grades[i-1].Grade})
	}
	c.Months = append(c.Months, axisLabel{X: histLeft + histStep*(n-1), Y: c.Height - 8, Text: l.T("now")})
	c.Path = path.String()
	return c
}

// histories returns the person's grade history charts by scorecard ID.
func (s *Server) histories(ctx context.Context, subject candor.SubjectID, now time.Time, l locale) (map[string]*historyChart, error) {
	hs, err := s.cfg.Profiles.History(ctx, subject, historyInstants(now))
	if err != nil {
		return nil, err
	}
	out := map[string]*historyChart{}
	for _, h := range hs {
		if len(h.Scorecard.Grades) > 0 && len(h.Grades) > 1 {
			out[h.Scorecard.ID] = historyChartOf(h, l)
		}
	}
	return out, nil
}
