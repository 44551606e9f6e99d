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
	var s creditSums
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		if e.OccurredAt.After(at) || e.State != candor.StateActive {
			continue
		}
		s.add(e, at.Sub(e.OccurredAt))
	}
	p := s.points()
	return p, creditGrade(p)
}

// Durations of the consumer-credit scorecard's windows.
const (
	creditDay      = 24 * time.Hour
	creditMonth    = 30 * creditDay
	creditYear     = 365 * creditDay
	creditHalfLife = 24 * creditMonth
)

// creditSums are the consumer-credit rules' sums, before their caps, and
// the counts of the rules that take at most so many events.
type creditSums struct {
	instPaid, late30, late60, dflt, rentPaid, rentLate, judg, judgSat, largeDef, largeUnsec, longRec, repaid, newCredit float64
	nInstPaid, nRentPaid, nLongRec, nRepaid                                                                             int
}

// add adds what event e, of age age, contributes to each rule. Events are
// added newest first, as the engine takes them. Every window is within the
// type's retention, so inside it the event has not expired.
func (s *creditSums) add(e *candor.Event, age time.Duration) {
	const m, y = creditMonth, creditYear
	switch e.Type {
	case "credit.instalment_paid":
		if age < 36*m && s.nInstPaid < 36 {
			s.instPaid += 2
			s.nInstPaid++
		}
		if age < 6*y && s.nLongRec < 60 {
			s.longRec += 0.5
			s.nLongRec++
		}
	case "credit.instalment_late":
		days, ok := intField(e, "days_late")
		if ok && age < 48*m {
			if days < 60 {
				s.late30 += -35 * linear(age, 48*m)
			} else {
				s.late60 += -80 * linear(age, 48*m)
			}
		}
	case "credit.default":
		if age < 6*y {
			s.dflt += -180 * half(age)
			if amount, ok := intField(e, "amount"); ok && float64(amount)/candor.AmountScale > 5000.0 {
				s.largeDef += -40 * half(age)
			}
		}
	case "rent.paid", "utility.bill_paid":
		if age < 24*m && s.nRentPaid < 24 {
			s.rentPaid++
			s.nRentPaid++
		}
	case "rent.late", "utility.bill_overdue":
		days, ok := intField(e, "days_late")
		if !ok {
			days, ok = intField(e, "days_overdue")
		}
		if ok && days >= 30 && age < 24*m {
			s.rentLate += -20 * linear(age, 24*m)
		}
	case "court.money_judgment_entered":
		if age < 6*y {
			s.judg += -120 * half(age)
		}
	case "court.money_judgment_satisfied":
		if age < 6*y {
			s.judgSat += 60 * half(age)
		}
	case "credit.loan_opened":
		s.addLoanOpened(e, age)
	case "credit.loan_repaid":
		if age < 6*y && s.nRepaid < 3 {
			s.repaid += 15
			s.nRepaid++
		}
	}
}

// addLoanOpened adds a new loan: a large unsecured one, and any new
// credit.
func (s *creditSums) addLoanOpened(e *candor.Event, age time.Duration) {
	const m = creditMonth
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
			s.largeUnsec += -15 * linear(age, 36*m)
		}
	}
	if age < 12*m {
		s.newCredit += -15 * linear(age, 12*m)
	}
}

// points caps each rule's sum and adds them to the base in the engine's
// order, rounded and clamped to the scorecard's range.
func (s *creditSums) points() int {
	total := 650.0
	total += s.instPaid
	total += capped(s.late30, 175)
	total += capped(s.late60, 300)
	total += capped(s.dflt, 300)
	total += s.rentPaid
	total += capped(s.rentLate, 80)
	total += capped(s.judg, 240)
	total += capped(s.judgSat, 120)
	total += capped(s.largeDef, 80)
	total += capped(s.largeUnsec, 30)
	total += s.longRec
	total += s.repaid
	total += capped(s.newCredit, 45)
	return int(min(max(math.Round(total), 350), 950))
}

// linear is a weight falling linearly from 1 to 0 over window.
func linear(age, window time.Duration) float64 { return 1 - float64(age)/float64(window) }

// half is a weight halving every creditHalfLife.
func half(age time.Duration) float64 { return math.Exp2(-float64(age) / float64(creditHalfLife)) }

// capped scales v down to magnitude c if it is larger.
func capped(v, c float64) float64 {
	if math.Abs(v) > c {
		return v * (c / math.Abs(v))
	}
	return v
}

// intField returns e's integer field name, if e has it.
func intField(e *candor.Event, name string) (int64, bool) {
	for _, f := range e.Fields {
		if f.Name == name {
			return f.Value.Int, true
		}
	}
	return 0, false
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
