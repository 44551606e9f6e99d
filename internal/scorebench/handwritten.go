package scorebench

import (
	"math"
	"time"

	"github.com/candor-project/candor"
)

// HandCredit is the shipped consumer-credit scorecard written by hand in
// Go: the baseline the engine is measured and checked against. It returns
// the points and grade of the subject whose events these are (in time
// order) at instant at. It follows scoring/scorecards/consumer-credit.yaml
// rule by rule and adds in the same order as the engine, so that the
// floating-point sums are identical.
func HandCredit(events []*candor.Event, at time.Time) (int, string) {
	const (
		d  = 24 * time.Hour
		m  = 30 * d
		y  = 365 * d
		hl = 24 * m
	)
	linear := func(age, window time.Duration) float64 { return 1 - float64(age)/float64(window) }
	half := func(age time.Duration) float64 { return math.Exp2(-float64(age) / float64(hl)) }
	intField := func(e *candor.Event, name string) (int64, bool) {
		for _, f := range e.Fields {
			if f.Name == name {
				return f.Value.Int, true
			}
		}
		return 0, false
	}
	var (
		instPaid, late30, late60, dflt, rentPaid, rentLate, judg, judgSat, largeDef, largeUnsec, longRec, repaid, newCredit float64
		nInstPaid, nRentPaid, nLongRec, nRepaid                                                                             int
	)
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		if e.OccurredAt.After(at) || e.State != candor.StateActive {
			continue
		}
		age := at.Sub(e.OccurredAt)
		switch e.Type { // every window is within the type's retention, so inside it the event has not expired
		case "credit.instalment_paid":
			if age < 36*m && nInstPaid < 36 {
				instPaid += 2
				nInstPaid++
			}
			if age < 6*y && nLongRec < 60 {
				longRec += 0.5
				nLongRec++
			}
		case "credit.instalment_late":
			days, ok := intField(e, "days_late")
			if ok && age < 48*m {
				if days < 60 {
					late30 += -35 * linear(age, 48*m)
				} else {
					late60 += -80 * linear(age, 48*m)
				}
			}
		case "credit.default":
			if age < 6*y {
				dflt += -180 * half(age)
				if amount, ok := intField(e, "amount"); ok && float64(amount)/candor.AmountScale > 5000.0 {
					largeDef += -40 * half(age)
				}
			}
		case "rent.paid", "utility.bill_paid":
			if age < 24*m && nRentPaid < 24 {
				rentPaid++
				nRentPaid++
			}
		case "rent.late", "utility.bill_overdue":
			days, ok := intField(e, "days_late")
			if !ok {
				days, ok = intField(e, "days_overdue")
			}
			if ok && days >= 30 && age < 24*m {
				rentLate += -20 * linear(age, 24*m)
			}
		case "court.money_judgment_entered":
			if age < 6*y {
				judg += -120 * half(age)
			}
		case "court.money_judgment_satisfied":
			if age < 6*y {
				judgSat += 60 * half(age)
			}
		case "credit.loan_opened":
			if age < 36*m {
				var product string
				var principal int64
				for _, f := range e.Fields {
					switch f.Name {
					case "product":
						product = f.Value.Str
					case "principal":
						principal = f.Value.Int
					}
				}
				if (product == "consumer" || product == "card") && float64(principal)/candor.AmountScale > 15000.0 {
					largeUnsec += -15 * linear(age, 36*m)
				}
			}
			if age < 12*m {
				newCredit += -15 * linear(age, 12*m)
			}
		case "credit.loan_repaid":
			if age < 6*y && nRepaid < 3 {
				repaid += 15
				nRepaid++
			}
		}
	}
	capped := func(v, c float64) float64 {
		if math.Abs(v) > c {
			return v * (c / math.Abs(v))
		}
		return v
	}
	total := 650.0
	total += instPaid
	total += capped(late30, 175)
	total += capped(late60, 300)
	total += capped(dflt, 300)
	total += rentPaid
	total += capped(rentLate, 80)
	total += capped(judg, 240)
	total += capped(judgSat, 120)
	total += capped(largeDef, 80)
	total += capped(largeUnsec, 30)
	total += longRec
	total += repaid
	total += capped(newCredit, 45)
	p := int(min(max(math.Round(total), 350), 950))
	return p, creditGrade(p)
}

// creditGrade is the consumer-credit scorecard's grade bands, written out.
func creditGrade(p int) string {
	switch {
	case p >= 760:
		return "A"
	case p >= 720:
		return "B"
	case p >= 660:
		return "C"
	case p >= 580:
		return "D"
	}
	return "E"
}
