# The shipped consumer-credit scorecard (scoring/scorecards/consumer-credit.yaml)
# written by hand in Rego, for bench/score: the same rules, the same result.
#
# The exponential for half-lives is in package candor.decay: in Rego
# (decay.rego), or as a Go built-in, for comparison.
#
# input.at is the scoring instant and input.events the subject's events, each
# {type, occurred_at, state, fields}; instants are Unix nanoseconds, and fields
# are as a rule's CEL condition sees them (amounts in currency units, enums and
# strings as strings, ints as ints). The result is {points, grade}.
package candor.consumer_credit

import data.candor.decay

# Periods as scorecards write them: a month is 30 days, a year 365.
day := 86400000000000

month := 30 * day

year := 365 * day

# Every event that can count: active (not disputed, corrected or removed),
# occurred at or before the instant, with its age. Every window below is
# within its types' retention, so an event inside a window has not expired.
# (Arrays, not sets, throughout: a set would merge equal points.)
live := [{"type": e.type, "age": age, "f": e.fields} |
	some e in input.events
	e.state == "active"
	age := input.at - e.occurred_at
	age >= 0
]

# payment history

# Each instalment paid on time in the last 36 months: 2 points, at most 36.
instalments_paid := at_most(36, 2, [x |
	some x in live
	x.type == "credit.instalment_paid"
	x.age < 36 * month
])

# An instalment under 60 days late: -35, fading linearly over 48 months; cap 175.
late_30 := capped(175, sum([p |
	some x in live
	x.type == "credit.instalment_late"
	x.age < 48 * month
	x.f.days_late < 60
	p := -35 * linear(x.age, 48 * month)
]))

# 60 or more days late: -80, fading linearly over 48 months; cap 300.
late_60 := capped(300, sum([p |
	some x in live
	x.type == "credit.instalment_late"
	x.age < 48 * month
	x.f.days_late >= 60
	p := -80 * linear(x.age, 48 * month)
]))

# A default (rule default, a keyword in Rego): -180, halving every 24 months, for 6 years; cap 300.
in_default := capped(300, sum([p |
	some x in live
	x.type == "credit.default"
	x.age < 6 * year
	p := -180 * half_life(x.age, 24 * month)
]))

# Rent and bills paid on time in the last 24 months: 1 point, at most 24.
rent_bills_paid := at_most(24, 1, [x |
	some x in live
	x.type in {"rent.paid", "utility.bill_paid"}
	x.age < 24 * month
])

# Rent or a bill 30 or more days late: -20, fading linearly over 24 months; cap 80.
rent_bills_late := capped(80, sum([p |
	some x in live
	x.type in {"rent.late", "utility.bill_overdue"}
	x.age < 24 * month
	thirty_days_late(x.f)
	p := -20 * linear(x.age, 24 * month)
]))

# days_late >= 30 || days_overdue >= 30: a missing field is false, as in CEL.
thirty_days_late(f) if f.days_late >= 30

thirty_days_late(f) if f.days_overdue >= 30

# amounts owed

# A money judgment: -120, halving every 24 months, for 6 years; cap 240.
judgment := capped(240, sum([p |
	some x in live
	x.type == "court.money_judgment_entered"
	x.age < 6 * year
	p := -120 * half_life(x.age, 24 * month)
]))

# A judgment paid in full: +60 on the same half-life; cap 120.
judgment_satisfied := capped(120, sum([p |
	some x in live
	x.type == "court.money_judgment_satisfied"
	x.age < 6 * year
	p := 60 * half_life(x.age, 24 * month)
]))

# A default on more than 5,000: a further -40, halving every 24 months; cap 80.
large_default := capped(80, sum([p |
	some x in live
	x.type == "credit.default"
	x.age < 6 * year
	x.f.amount > 5000
	p := -40 * half_life(x.age, 24 * month)
]))

# An unsecured loan of more than 15,000 in the last 36 months: -15, fading
# linearly; cap 30.
large_unsecured := capped(30, sum([p |
	some x in live
	x.type == "credit.loan_opened"
	x.age < 36 * month
	x.f.product in {"consumer", "card"}
	x.f.principal > 15000
	p := -15 * linear(x.age, 36 * month)
]))

# length of history

# Each instalment paid on time in the last 6 years: 0.5, at most 60.
long_record := at_most(60, 0.5, [x |
	some x in live
	x.type == "credit.instalment_paid"
	x.age < 6 * year
])

# Each loan repaid in full in the last 6 years: 15, at most 3.
loans_repaid := at_most(3, 15, [x |
	some x in live
	x.type == "credit.loan_repaid"
	x.age < 6 * year
])

# recent new credit

# Each loan opened in the last 12 months: -15, fading linearly; cap 45.
new_credit := capped(45, sum([p |
	some x in live
	x.type == "credit.loan_opened"
	x.age < 12 * month
	p := -15 * linear(x.age, 12 * month)
]))

# The score: base 650 plus every rule in the scorecard's order, rounded
# (half away from zero), clamped to 350..950, and its grade band.
total := sum([
	650,
	instalments_paid, late_30, late_60, in_default, rent_bills_paid, rent_bills_late,
	judgment, judgment_satisfied, large_default, large_unsecured,
	long_record, loans_repaid,
	new_credit,
])

points := min([max([round(total), 350]), 950])

grade := "A" if {
	points >= 760
} else := "B" if {
	points >= 720
} else := "C" if {
	points >= 660
} else := "D" if {
	points >= 580
} else := "E"

result := {"points": points, "grade": grade}

# helpers

# at_most gives each for every one of xs, but for at most n of them. (The
# engine counts the n most recent; these points do not decay, so which n
# does not matter.)
at_most(n, each, xs) := each * min([count(xs), n])

# capped bounds a rule's total to [-c, c], scaling it down.
capped(c, v) := v if abs(v) <= c

capped(c, v) := v * (c / abs(v)) if abs(v) > c

# linear is the share an event keeps, from all at age 0 to none at the end
# of the window.
linear(age, window) := 1 - (age / window)

# half_life is the share an event keeps when it halves every hl.
half_life(age, hl) := decay.exp2_neg(age / hl)
