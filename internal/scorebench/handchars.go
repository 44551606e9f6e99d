package scorebench

import (
	"time"

	"github.com/candor-project/candor"
)

// HandCharacteristics is scoring/testdata/credit-characteristics.yaml
// written by hand in Go: the baseline characteristic scoring is measured
// and checked against. It returns the points and grade of the subject
// whose events these are (in any order) at instant at.
func HandCharacteristics(events []*candor.Event, at time.Time) (int, string) {
	const (
		m      = 30 * 24 * time.Hour
		y      = 365 * 24 * time.Hour
		retain = 6 * y // both credit types' retention
	)
	var late30, lateAll, all int
	var last time.Time
	for _, e := range events {
		if e.OccurredAt.After(at) || e.State != candor.StateActive {
			continue
		}
		age := at.Sub(e.OccurredAt)
		if age >= retain {
			continue
		}
		switch e.Type {
		case "credit.instalment_paid":
			if age < 24*m {
				all++
			}
		case "credit.instalment_late":
			var days int64
			ok := false
			for _, f := range e.Fields {
				if f.Name == "days_late" {
					days, ok = f.Value.Int, true
				}
			}
			if age < 24*m {
				all++
				if ok && days >= 30 {
					late30++
				}
				if ok && days >= 1 {
					lateAll++
				}
			}
			if age < 5*y && e.OccurredAt.After(last) {
				last = e.OccurredAt
			}
		}
	}
	p := 650
	switch {
	case late30 < 1:
		p += 40
	case late30 < 2:
		p -= 10
	case late30 < 4:
		p -= 45
	default:
		p -= 90
	}
	if last.IsZero() {
		p += 25
	} else {
		switch months := at.Sub(last) / m; {
		case months < 6:
			p -= 40
		case months < 24:
			p -= 5
		default:
			p += 15
		}
	}
	if all == 0 {
		p -= 10
	} else {
		switch share := float64(lateAll) / float64(all); {
		case share < 0.05:
			p += 30
		case share < 0.2:
		default:
			p -= 60
		}
	}
	p = min(max(p, 350), 950)
	return p, creditGrade(p)
}
