# 2^-x for the half-lives of consumer_credit.rego, in Rego.
package candor.decay

# exp2_neg is 2^-x for x >= 0; Rego has no exponential. It is 2^-floor(x)
# times e^-t, t = (x - floor(x)) ln 2 < 0.7, by the exponential series to
# its 17th power in Horner's form (what is left out is below 1e-18):
# e^-t = 1 - t(1 - t/2 (1 - t/3 (... (1 - t/17)))).
exp2_neg(x) := w if {
	k := floor(x)
	t := (x - k) * 0.693147180559945309417
	h17 := 1 - (t / 17)
	h16 := 1 - ((t / 16) * h17)
	h15 := 1 - ((t / 15) * h16)
	h14 := 1 - ((t / 14) * h15)
	h13 := 1 - ((t / 13) * h14)
	h12 := 1 - ((t / 12) * h13)
	h11 := 1 - ((t / 11) * h12)
	h10 := 1 - ((t / 10) * h11)
	h9 := 1 - ((t / 9) * h10)
	h8 := 1 - ((t / 8) * h9)
	h7 := 1 - ((t / 7) * h8)
	h6 := 1 - ((t / 6) * h7)
	h5 := 1 - ((t / 5) * h6)
	h4 := 1 - ((t / 4) * h5)
	h3 := 1 - ((t / 3) * h4)
	h2 := 1 - ((t / 2) * h3)
	e := 1 - (t * h2)
	w := e * product([0.5 | some i in numbers.range(0, k); i > 0])
}
