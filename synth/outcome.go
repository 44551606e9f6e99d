package synth

import "time"

// Default12 reports whether the i-th person of the population with this
// seed defaults on a credit in the 12 months from the month of from: the
// outcome a lender observes, which Candor never records, for fitting and
// validating a scorecard. It depends on the person's latent behaviour
// profile and on whether a spell of financial stress falls in those months
// (rates.default12 and default12InSpell), and on nothing else: it is a
// pure function of (seed, i, the month of from). It panics if i is
// negative or not below MaxPersons.
func Default12(seed uint64, i int, from time.Time) bool {
	var p person
	p.load(seed, i)
	from = from.UTC()
	M := from.Year()*12 + int(from.Month()) - 1
	pr := rates.default12[p.pi]
	for m := M; m < M+12; m++ {
		if p.inSpell(m) {
			pr = rates.default12InSpell[p.pi]
			break
		}
	}
	r := stream(p.key, topicOutcome, M)
	return r.chance(pr)
}
