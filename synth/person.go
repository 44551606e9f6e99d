package synth

import "strconv"

// person is one person's fixed attributes, drawn from the static stream, and
// a cache for the month being generated.
type person struct {
	seed    uint64
	idx     int
	key     uint64
	profile Profile
	pi      int // profile index into the rate arrays

	birthYear, region int
	regDay, regM      int // registered as a resident; active from the month after
	newcomer          bool

	renter   bool
	rentBase int // euros a month in the anchor year
	rentDay  int // day of the month rent is usually paid

	utility     bool
	utilMonthly bool
	utilParity  int // billed in months of this parity when billed every two months
	service     int
	utilBase    int // euros a month before the seasonal factor

	slots       int // loan slots
	filer       bool
	permit      bool
	permitStart int // month of the first work permit

	nidDone, taxDone bool // identifiers are computed when first needed
	nid              [9]byte
	tax              [10]byte

	spellM            int // month the cached spell flag is for
	spellKnown, spell bool
}

var (
	regionNames  = [...]string{"north", "south", "east", "west", "central"}
	regionWeight = []int{20, 20, 18, 17, 25}
	serviceNames = [...]string{"electricity", "heating", "gas", "water"}
	serviceWt    = []int{45, 20, 20, 15}
	// season is each service's bill in each month, in percent of the average.
	season = [4][12]int{
		{120, 115, 105, 95, 85, 80, 80, 80, 85, 95, 110, 120},
		{170, 160, 130, 95, 60, 40, 35, 35, 55, 95, 140, 165},
		{170, 160, 130, 95, 60, 40, 35, 35, 55, 95, 140, 165},
		{90, 90, 95, 100, 105, 115, 120, 120, 105, 95, 90, 90},
	}
	productWeights = func() []int {
		w := make([]int, len(products))
		for i, p := range products {
			w[i] = p.weight
		}
		return w
	}()
	bankWeights = func() []int {
		w := make([]int, len(banks))
		for i, b := range banks {
			w[i] = b.weight
		}
		return w
	}()
)

// Registration windows: long-standing residents registered in the 17 years
// before the newcomers, who arrive in the three years either side of the
// anchor.
var (
	residentsFrom  = monthStart(anchorMonth - 240)
	newcomersFrom  = monthStart(anchorMonth - 36)
	newcomersUntil = monthStart(anchorMonth + 36)
)

func (p *person) load(seed uint64, i int) {
	if i < 0 || i >= MaxPersons {
		panic("synth: person index out of range")
	}
	*p = person{seed: seed, idx: i, key: subjectKey(seed, domPerson, i)}
	r := stream(p.key, topicStatic, 0)
	p.pi = r.pick(rates.profiles[:])
	p.profile = Reliable + Profile(p.pi)
	p.newcomer = r.chance(rates.newcomer)
	birthOld, birthNew := r.between(1940, 2006), r.between(1965, 2004)
	longAgo := residentsFrom + r.intn(newcomersFrom-residentsFrom)
	recent := newcomersFrom + r.intn(newcomersUntil-newcomersFrom)
	if p.newcomer {
		p.birthYear, p.regDay = birthNew, recent
	} else {
		p.birthYear, p.regDay = birthOld, max(longAgo, yearStart(birthOld)+r.intn(365))
	}
	p.regM = monthOf(p.regDay)
	p.region = r.pick(regionWeight)
	p.renter = r.chance(rates.renter)
	p.rentBase = r.between(420, 1350)
	if p.region == 4 {
		p.rentBase += 250
	}
	p.rentDay = r.between(1, 5)
	p.utility = r.chance(rates.utilityPays)
	p.utilMonthly = r.chance(rates.utilMonthly)
	p.utilParity = r.intn(2)
	p.service = r.pick(serviceWt)
	p.utilBase = r.between(35, 110)
	p.slots = r.pick(rates.loanSlots[:])
	p.filer = r.chance(rates.taxFiler)
	if p.newcomer {
		p.permit = r.chance(rates.permitNewcomer)
		p.permitStart = p.regM + 1
	} else {
		p.permit = r.chance(rates.permitResident)
		p.permitStart = max(anchorMonth-120+r.intn(120), p.regM+1)
	}
}

func (p *person) nationalID() []byte {
	if !p.nidDone {
		nationalID(&p.nid, p.seed, p.idx)
		p.nidDone = true
	}
	return p.nid[:]
}

func (p *person) taxNumber() []byte {
	if !p.taxDone {
		taxNumber(&p.tax, p.seed, uint64(p.idx))
		p.taxDone = true
	}
	return p.tax[:]
}

// inSpell reports whether month M falls in a spell of financial stress.
func (p *person) inSpell(M int) bool {
	if p.spellKnown && p.spellM == M {
		return p.spell
	}
	in := false
	for d := 0; d < rates.spellMax[p.pi] && !in; d++ {
		r := stream(p.key, topicStress, M-d)
		in = r.chance(rates.stressStart[p.pi]) && r.between(1, rates.spellMax[p.pi]) > d
	}
	p.spellM, p.spellKnown, p.spell = M, true, in
	return in
}

func (p *person) lateP(base, inSpell *[3]float64, M int) float64 {
	if p.inSpell(M) {
		return inSpell[p.pi]
	}
	return base[p.pi]
}

func (w *worker) person(i int, mc *monthCtx) {
	p := &w.p
	p.load(w.g.cfg.Seed, i)
	M := mc.M
	if p.regM == M || mc.start && p.regM < M {
		if w.begin(srcCivil, tResident, p.regDay) {
			w.subjectID('p', i)
			w.id("registered")
			w.personSubject()
			w.int("birth_year", p.birthYear)
			w.str("region", regionNames[p.region])
			w.end()
		}
	}
	if M <= p.regM {
		return
	}
	if p.renter {
		w.rent(p, mc)
	}
	if p.utility && (p.utilMonthly || M%2 == p.utilParity) {
		w.bill(p, mc)
	}
	for s := 0; s < p.slots; s++ {
		w.loan(p, s, mc)
	}
	if p.filer {
		w.personTax(p, mc)
	}
	w.personCourt(p, mc)
	if p.permit {
		w.permits(p, mc)
	}
}

func (w *worker) personSubject() {
	w.subject(subjNational, w.p.nationalID())
}

func (p *person) rentLate(M int) (bool, rng) {
	r := stream(p.key, topicRent, M)
	return r.chance(p.lateP(&rates.rentLate, &rates.rentLateInSpell, M)), r
}

func (w *worker) rent(p *person, mc *monthCtx) {
	late, r := p.rentLate(mc.M)
	euros := p.rentBase + p.rentBase*(mc.year-anchorYear)*25/1000 // +2.5% a year
	cents := int64(max(euros, p.rentBase/4)) * 100
	paid := mc.first + p.rentDay - 1 + r.intn(3)
	days := r.between(3, 20)
	if late && mc.M-1 > p.regM {
		if prev, _ := p.rentLate(mc.M - 1); prev {
			days = r.between(25, 60)
		}
	}
	t, day := tRentPaid, paid
	if late {
		t, day = tRentLate, mc.first+days
	}
	if !w.begin(srcRent, t, day) {
		return
	}
	w.subjectID('p', p.idx)
	w.cur.b = appendMonth(w.cur.b, mc.M)
	w.id("-rent")
	w.personSubject()
	if late {
		w.int("days_late", days)
	}
	w.money("amount", cents)
	w.end()
}

func (p *person) billLate(M int) (bool, rng) {
	r := stream(p.key, topicUtility, M)
	return r.chance(p.lateP(&rates.billLate, &rates.billLateInSpell, M)), r
}

func (w *worker) bill(p *person, mc *monthCtx) {
	late, r := p.billLate(mc.M)
	months := 2
	if p.utilMonthly {
		months = 1
	}
	cents := int64(p.utilBase) * int64(season[p.service][mc.month-1]) * int64(months) * int64(r.between(85, 115)) / 100
	paid := mc.first + r.between(8, 19) // due on the 20th
	days := r.between(3, 30)
	if late && mc.M-months > p.regM {
		if prev, _ := p.billLate(mc.M - months); prev {
			days = r.between(31, 75)
		}
	}
	t, day := tBillPaid, paid
	if late {
		t, day = tBillOverdue, mc.first+19+days
	}
	if !w.begin(srcUtility, t, day) {
		return
	}
	w.subjectID('p', p.idx)
	w.cur.b = appendMonth(w.cur.b, mc.M)
	w.id("-bill")
	w.personSubject()
	w.str("service", serviceNames[p.service])
	if late {
		w.int("days_overdue", days)
	}
	w.money("amount", cents)
	w.end()
}

// loan is the loan a slot holds in one generation.
type loan struct {
	slot, gen, product, bank int
	open, end, stop          int // months: opened; last instalment; last event
	repay, dflt              int // months of early repayment or default, 0 if none
	openDay, dueDay          int // day opened; day of the month instalments fall due
	principal, inst          int64
}

// loanAt returns the loan slot holds in month M, if one is open then (from
// the month it was opened to the month of its last event).
func (p *person) loanAt(slot, M int) (loan, bool) {
	s := stream(p.key, topicLoanSlot+topic(slot), 0)
	prod := s.pick(productWeights)
	pr := &products[prod]
	phase := s.intn(pr.period)
	g := floorDiv(M-phase, pr.period)
	r := stream(p.key, topicLoan+topic(slot), g)
	T := r.between(pr.termMin, pr.termMax) * pr.step
	L := loan{slot: slot, gen: g, product: prod}
	L.open = phase + g*pr.period + r.intn(pr.period-T)
	L.end = L.open + T
	L.bank = r.pick(bankWeights)
	dom := r.intn(28)
	L.openDay, L.dueDay = monthStart(L.open)+dom, dom+1
	L.principal = int64(r.between(pr.priMin, pr.priMax)) * 10000
	apr := int64(r.between(pr.aprMin, pr.aprMax))
	L.inst = (L.principal + L.principal*apr*int64(T+1)/(24*10000)) / int64(T)
	early, repay := r.chance(rates.earlyRepay[prod]), L.open+3+r.intn(T-4)
	defP := min(rates.defaultPerYear[p.pi]*float64(T)/12, 0.9)
	dflt, dm := r.chance(defP), L.open+4+r.intn(T-4)
	switch {
	case dflt:
		L.dflt, L.stop = dm, dm
	case early:
		L.repay, L.stop = repay, repay
	default:
		L.stop = L.end
	}
	return L, L.open > p.regM && L.open <= M && M <= L.stop
}

// instLate draws whether the instalment of month M is late, and the stream
// for the rest of its draws.
func (p *person) instLate(slot, M int) (bool, rng) {
	r := stream(p.key, topicInstalment+topic(slot), M)
	return r.chance(p.lateP(&rates.instLate, &rates.instLateInSpell, M)), r
}

func (w *worker) loan(p *person, slot int, mc *monthCtx) {
	L, ok := p.loanAt(slot, mc.M)
	if !ok {
		return
	}
	pr := &products[L.product]
	src := banks[L.bank].src
	M := mc.M
	if M == L.open || mc.start {
		if w.loanEvent(p, &L, src, tLoanOpened, L.openDay, M, "opened") {
			w.str("product", pr.name)
			w.money("principal", L.principal)
			if !pr.revolving {
				w.int("term_months", L.end-L.open)
			}
			w.end()
		}
	}
	if M == L.open {
		return
	}
	due := mc.first + L.dueDay - 1
	switch {
	case L.dflt != 0 && M >= L.dflt-3:
		if M < L.dflt {
			if w.loanEvent(p, &L, src, tInstLate, due+30, M, "") {
				w.int("days_late", 30*(M-L.dflt+4))
				w.money("amount", L.inst)
				w.end()
			}
		} else if w.loanEvent(p, &L, src, tDefault, due+30, M, "default") {
			owed := min(L.inst*int64(L.end-M+4), L.principal)
			if pr.revolving {
				owed = L.principal * 6 / 10
			}
			w.money("amount", owed)
			w.end()
		}
		return
	case M == L.repay:
		if w.loanEvent(p, &L, src, tLoanRepaid, due, M, "repaid") {
			w.end()
		}
		return
	}
	late, r := p.instLate(slot, M)
	amount := L.inst
	if pr.revolving {
		limit := int(L.principal / 100)
		amount = int64(r.between(25, min(limit/15, 400)))*100 + int64(r.intn(100))
	}
	paidDay := max(due-r.intn(4), mc.first)
	if late {
		c := 1
		if M-1 > L.open {
			if l1, _ := p.instLate(slot, M-1); l1 {
				c = 2
				if M-2 > L.open {
					if l2, _ := p.instLate(slot, M-2); l2 {
						c = 3
					}
				}
			}
		}
		if w.loanEvent(p, &L, src, tInstLate, due+30, M, "") {
			w.int("days_late", 30*c)
			w.money("amount", amount)
			w.end()
		}
	} else if w.loanEvent(p, &L, src, tInstPaid, paidDay, M, "") {
		w.money("amount", amount)
		w.end()
	}
	if M == L.end && w.loanEvent(p, &L, src, tLoanRepaid, due+1, M, "repaid") {
		w.end()
	}
}

// loanEvent begins an event about loan L and writes its account field. The
// ID is the account number and suffix, or the instalment's month M when
// suffix is empty.
func (w *worker) loanEvent(p *person, L *loan, src sourceID, t typeID, day, M int, suffix string) bool {
	if !w.begin(src, t, day) {
		return false
	}
	w.cur.b = appendAccount(w.cur.b, L, p.idx)
	w.cur.b = append(w.cur.b, '-')
	if suffix == "" {
		w.cur.b = appendMonth(w.cur.b, M)
	} else {
		w.id(suffix)
	}
	w.personSubject()
	w.key("account")
	w.cur.b = append(w.cur.b, '"')
	w.cur.b = appendAccount(w.cur.b, L, p.idx)
	w.cur.b = append(w.cur.b, '"')
	return true
}

// appendAccount appends an account number: bank prefix, person, slot, generation.
func appendAccount(b []byte, L *loan, idx int) []byte {
	b = append(b, banks[L.bank].prefix...)
	b = append(b, '-')
	b = appendIndex(b, idx)
	b = append(b, '-', byte('0'+L.slot), '-')
	return strconv.AppendInt(b, int64(L.gen), 10)
}

// lateDays draws how late a late filing is: mostly weeks, sometimes months.
func lateDays(r *rng, short, long int) int {
	d1, d2, longOne := r.between(1, short), r.between(short+1, long), r.chance(0.3)
	if longOne {
		return d2
	}
	return d1
}

// filing is one year's return, and the arrears it may lead to.
type filing struct {
	day, daysLate int // filed; days after the deadline, 0 if on time
	arrears       bool
	arrDay        int
	amount        int64
	settled       bool
	setDay        int
}

// mayHaveArrears reports whether the filing drawn from r has arrears,
// without consuming r.
func mayHaveArrears(r rng, pArrears float64) bool { return r.chance(pArrears) }

// drawFiling draws a return due by deadline (on time: from earliest), the
// arrears it may lead to and their settlement.
func drawFiling(r *rng, earliest, deadline int, pLate, pArrears, pSettled float64, minAmt, maxAmt int) filing {
	var f filing
	f.arrears = r.chance(pArrears) // first, so that mayHaveArrears can peek at it
	late, onTime, days := r.chance(pLate), earliest+r.intn(deadline-earliest+1), lateDays(r, 30, 200)
	f.day = onTime
	if late {
		f.day, f.daysLate = deadline+days, days
	}
	f.arrDay = f.day + r.between(30, 150)
	f.amount = int64(r.between(minAmt, maxAmt))*100 + int64(r.intn(100))
	f.settled, f.setDay = r.chance(pSettled), f.arrDay+r.between(20, 400)
	return f
}

func (w *worker) personTax(p *person, mc *monthCtx) {
	regYear := yearOf(p.regDay)
	for Y := max(mc.year-3, regYear); Y <= mc.year-1; Y++ {
		r := stream(p.key, topicTax, Y)
		if Y < mc.year-1 && !mayHaveArrears(r, rates.taxArrears[p.pi]) {
			continue // only arrears and their settlement reach this far
		}
		f := drawFiling(&r, dayOf(Y+1, 2, 1), dayOf(Y+1, 4, 30),
			rates.taxLate[p.pi], rates.taxArrears[p.pi], rates.taxSettled[p.pi], 150, 12000)
		w.filingEvents(&f, mc, Y, 'p', p.idx, filingTypes{tTaxFiled, tTaxLate, tTaxArrears, tTaxSettled}, "tax_year", "TXP-")
	}
}

type filingTypes struct{ filed, late, arrears, settled typeID }

// filingEvents writes the events of filing f for year Y that fall in mc.
func (w *worker) filingEvents(f *filing, mc *monthCtx, Y int, kind byte, idx int, ts filingTypes, yearField, refPrefix string) {
	begin := func(t typeID, day int, suffix string) bool {
		if !w.begin(srcTax, t, day) {
			return false
		}
		w.subjectID(kind, idx)
		w.cur.b = appendYear(w.cur.b, Y)
		w.id(suffix)
		w.subjectOf(kind)
		return true
	}
	if mc.has(f.day) {
		t := ts.filed
		if f.daysLate > 0 {
			t = ts.late
		}
		if begin(t, f.day, "-return") {
			w.int(yearField, Y)
			if f.daysLate > 0 {
				w.int("days_late", f.daysLate)
			}
			w.end()
		}
	}
	if !f.arrears {
		return
	}
	if mc.has(f.arrDay) && begin(ts.arrears, f.arrDay, "-arrears") {
		w.ref("reference", refPrefix, Y, idx)
		w.money("amount", f.amount)
		w.end()
	}
	if f.settled && mc.has(f.setDay) && w.g.kept(ts.arrears, f.arrDay) && begin(ts.settled, f.setDay, "-arrears-settled") {
		w.ref("reference", refPrefix, Y, idx)
		w.end()
	}
}

// subjectOf writes the current person ('p') or organisation ('o').
func (w *worker) subjectOf(kind byte) {
	if kind == 'p' {
		w.personSubject()
	} else {
		w.orgSubject()
	}
}

// Court texts: every restriction carries its legal basis and appeal route
// (charter point 9).
const (
	courtName   = "District Court, Civil Division"
	appealRoute = "Appeal to the Regional Court of Appeal within 30 days of service (Civil Procedure Act s. 520)"
)

var (
	personRestrictions = [...]string{"company_director", "asset_disposal", "leaving_jurisdiction"}
	personRestrictWt   = []int{20, 70, 10}
	orgRestrictions    = [...]string{"public_procurement", "asset_disposal", "trading"}
	orgRestrictWt      = []int{50, 30, 20}
	legalBasis         = map[string]string{
		"company_director":     "Companies Act s. 156: disqualification of a director with unpaid judgment debts",
		"asset_disposal":       "Civil Procedure Act s. 712: freezing order securing an unpaid money judgment",
		"leaving_jurisdiction": "Civil Procedure Act s. 718: order restraining departure pending enforcement",
		"public_procurement":   "Public Procurement Act s. 57: exclusion of a contractor with unpaid judgment debts",
		"trading":              "Insolvency Act s. 34: suspension of trading pending enforcement of a judgment",
	}
	liftReasons = [...]string{"satisfied", "appeal_allowed", "other"}
	liftWt      = []int{50, 35, 15}
)

// judgment is one year's court case against a subject, if any.
type judgment struct {
	day         int
	amount      int64
	satisfied   bool
	satDay      int
	restricted  bool
	resDay      int
	restriction string
	expires     int
	lifted      bool
	liftDay     int
	liftReason  string
}

func drawJudgment(r *rng, Y int, minAmt, maxAmt int, pSat, pRestrict, pLift float64, kinds []string, kindWt []int) judgment {
	var j judgment
	j.day = yearStart(Y) + r.intn(365)
	j.amount = int64(r.between(minAmt, maxAmt))*100 + int64(r.intn(100))
	j.satisfied, j.satDay = r.chance(pSat), j.day+r.between(30, 540)
	j.restricted = r.chance(pRestrict) && !j.satisfied
	j.resDay = j.day + r.between(60, 240)
	j.restriction = kinds[r.pick(kindWt)]
	j.expires = j.resDay + r.between(730, 1825)
	j.lifted, j.liftDay = r.chance(pLift), j.resDay+r.between(60, 720)
	j.liftReason = liftReasons[r.pick(liftWt)]
	return j
}

type courtTypes struct{ judgment, satisfied, restriction, lifted typeID }

func (w *worker) personCourt(p *person, mc *monthCtx) {
	for Y := mc.year - 3; Y <= mc.year; Y++ {
		r := stream(p.key, topicCourt, Y)
		if !r.chance(rates.judgment[p.pi]) {
			continue
		}
		j := drawJudgment(&r, Y, 500, 40000, rates.satisfied[p.pi], rates.restriction, rates.lifted, personRestrictions[:], personRestrictWt)
		if j.day <= p.regDay {
			continue
		}
		w.courtEvents(&j, mc, Y, 'p', p.idx, courtTypes{tJudgment, tJudgmentSatisfied, tRestriction, tRestrictionLifted}, "DC-CV-", "DC-RO-", forever)
	}
}

// forever is a day after every event: persons are never dissolved.
const forever = 1 << 40

// courtEvents writes the events of case j of year Y that fall in mc and
// before the day the subject ceased to exist (alive).
func (w *worker) courtEvents(j *judgment, mc *monthCtx, Y int, kind byte, idx int, ts courtTypes, caseRef, orderRef string, alive int) {
	begin := func(t typeID, day int, suffix string) bool {
		if day >= alive || !w.begin(srcCourt, t, day) {
			return false
		}
		w.subjectID(kind, idx)
		w.cur.b = appendYear(w.cur.b, Y)
		w.id(suffix)
		w.subjectOf(kind)
		return true
	}
	if mc.has(j.day) && begin(ts.judgment, j.day, "-judgment") {
		w.ref("case_ref", caseRef, Y, idx)
		w.money("amount", j.amount)
		w.end()
	}
	if j.satisfied && mc.has(j.satDay) && w.g.kept(ts.judgment, j.day) && begin(ts.satisfied, j.satDay, "-judgment-satisfied") {
		w.ref("case_ref", caseRef, Y, idx)
		w.end()
	}
	if !j.restricted {
		return
	}
	if mc.has(j.resDay) && begin(ts.restriction, j.resDay, "-restriction") {
		w.ref("order_ref", orderRef, Y, idx)
		w.str("court", courtName)
		w.str("legal_basis", legalBasis[j.restriction])
		w.str("restriction", j.restriction)
		w.date("expires_on", j.expires)
		w.str("appeal_route", appealRoute)
		w.end()
	}
	if j.lifted && mc.has(j.liftDay) && w.g.kept(ts.restriction, j.resDay) && begin(ts.lifted, j.liftDay, "-restriction-lifted") {
		w.ref("order_ref", orderRef, Y, idx)
		w.str("reason", j.liftReason)
		w.end()
	}
}

var permitValidity = [...]int{12, 24, 36}

// permits writes the events of the person's chain of work permits that fall
// in mc: each is issued for one to three years and then renewed, or expires
// and ends the chain.
func (w *worker) permits(p *person, mc *monthCtx) {
	S := p.permitStart
	for k := 1; S <= mc.M; k++ {
		r := stream(p.key, topicPermit, k)
		V := permitValidity[r.pick([]int{30, 40, 30})]
		renewed := r.chance(rates.permitRenewed)
		issued := monthStart(S) + r.intn(28)
		expiry := addMonths(issued, V) // the day after valid_until
		if S == mc.M || mc.start && S < mc.M && mc.M < S+V || mc.start && S < mc.M && mc.M == S+V && !renewed {
			if w.permitEvent(p, tPermitIssued, issued, k, "-issued") {
				w.date("valid_until", expiry-1)
				w.end()
			}
		}
		if !renewed {
			if S+V == mc.M && w.g.retained(tPermitIssued, issued) && w.permitEvent(p, tPermitExpired, expiry, k, "-expired") {
				w.end()
			}
			return
		}
		S += V
	}
}

func (w *worker) permitEvent(p *person, t typeID, day, k int, suffix string) bool {
	if !w.begin(srcLicensing, t, day) {
		return false
	}
	w.subjectID('p', p.idx)
	w.cur.b = append(w.cur.b, 'w', 'p')
	w.cur.b = strconv.AppendInt(w.cur.b, int64(k), 10)
	w.id(suffix)
	w.personSubject()
	w.key("permit_no")
	w.cur.b = append(w.cur.b, `"WP-`...)
	w.cur.b = appendIndex(w.cur.b, p.idx)
	w.cur.b = append(w.cur.b, '-', byte('0'+k/10%10), byte('0'+k%10), '"')
	return true
}
