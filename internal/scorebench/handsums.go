package scorebench

import (
	"time"

	"github.com/candor-project/candor"
)

// HandSums is scoring/testdata/credit-sums.yaml written by hand in Go:
// HandCharacteristics with the total days late and the largest late
// instalment in euros of the last 24 months, the baseline sums and maxima
// are measured and checked against.
func HandSums(events []*candor.Event, at time.Time) (int, string) {
	const (
		m      = 30 * 24 * time.Hour
		y      = 365 * 24 * time.Hour
		retain = 6 * y // both credit types' retention
	)
	var late30, lateAll, all int
	var daysTotal, largest int64 // largest: ten-thousandths of a euro, -1 none
	largest = -1
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
				daysTotal += days
				if amount, eur := euros(e.Fields); eur && amount > largest {
					largest = amount
				}
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
	switch {
	case daysTotal < 1:
		p += 20
	case daysTotal < 60:
		p -= 15
	case daysTotal < 120:
		p -= 40
	default:
		p -= 70
	}
	switch {
	case largest < 0:
		p += 10
	case largest < 500*candor.AmountScale:
	case largest < 1000*candor.AmountScale:
		p -= 10
	default:
		p -= 25
	}
	p = min(max(p, 350), 950)
	return p, creditGrade(p)
}

// euros returns the amount of fields and whether it is one in euros.
func euros(fields []candor.Field) (int64, bool) {
	var amount int64
	has, eur := false, false
	for _, f := range fields {
		switch f.Name {
		case "amount":
			amount, has = f.Value.Int, true
		case "currency":
			eur = f.Value.Str == "EUR"
		}
	}
	return amount, has && eur
}
