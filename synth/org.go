package synth

import "strconv"

// org is one organisation's fixed attributes.
type org struct {
	seed    uint64
	idx     int
	key     uint64
	profile Profile
	pi      int

	form, sector          int
	regDay, regM, regYear int
	size                  int // workers
	licensed              bool
	activity              int

	idsDone bool
	reg     [9]byte
	tax     [10]byte
}

var (
	legalForms   = [...]string{"sole_trader", "partnership", "limited", "public_limited", "cooperative", "nonprofit"}
	legalFormWt  = []int{25, 10, 50, 3, 4, 8}
	sectors      = [...]string{"food_service", "retail", "construction", "transport", "manufacturing", "care", "services", "other"}
	sectorWt     = []int{15, 20, 15, 8, 10, 7, 20, 5}
	activities   = [...]string{"food_service", "retail", "construction", "transport", "manufacturing", "care", "other"}
	inspTypes    = [...]string{"food_hygiene", "workplace_safety", "fire_safety", "environmental", "labour"}
	inspLabour   = 4
	severities   = [...]string{"minor", "major", "critical"}
	dissolveWhy  = [...]string{"voluntary", "insolvency", "struck_off"}
	dissolveWt   = [3][]int{{80, 15, 5}, {60, 25, 15}, {30, 40, 30}}
	licenceYears = []int{60, 40} // weights of 3- and 5-year licences
)

// inspWeights returns the weights of the inspection types an organisation
// of the sector gets.
func inspWeights(sector int) []int {
	switch sectors[sector] {
	case "food_service":
		return []int{60, 10, 20, 0, 10}
	case "construction", "manufacturing":
		return []int{0, 50, 15, 20, 15}
	case "care":
		return []int{20, 30, 30, 0, 20}
	}
	return []int{0, 35, 35, 10, 20}
}

func revocationGrounds(sector int) string {
	switch sectors[sector] {
	case "food_service":
		return "food_hygiene"
	case "construction", "manufacturing":
		return "workplace_safety"
	case "care":
		return "staffing"
	}
	return "licence_conditions"
}

func (o *org) load(seed uint64, j int) {
	if j < 0 || j >= MaxOrgs {
		panic("synth: organisation index out of range")
	}
	*o = org{seed: seed, idx: j, key: subjectKey(seed, domOrg, j)}
	r := stream(o.key, topicStatic, 0)
	o.pi = r.pick(rates.orgProfiles[:])
	o.profile = Compliant + Profile(o.pi)
	o.form = r.pick(legalFormWt)
	o.sector = r.pick(sectorWt)
	recent := r.chance(rates.orgNew)
	lo, hi := monthStart(anchorMonth-96), monthStart(anchorMonth-36)
	if recent {
		lo, hi = hi, monthStart(anchorMonth+36)
	}
	o.regDay = lo + r.intn(hi-lo)
	o.regM, o.regYear = monthOf(o.regDay), yearOf(o.regDay)
	o.size = min(r.between(1, 250), r.between(1, 250), r.between(1, 250))
	o.licensed = r.chance(rates.otherLicensed) || o.sector < len(activities)-1
	o.activity = min(o.sector, len(activities)-1)
}

func (o *org) ensureIDs() {
	if !o.idsDone {
		companyRegNo(&o.reg, o.seed, o.idx)
		taxNumber(&o.tax, o.seed, taxSpace-1-uint64(o.idx))
		o.idsDone = true
	}
}

func (w *worker) orgSubject() {
	o := &w.o
	o.ensureIDs()
	w.subject(subjCompany, o.reg[:])
}

// dissolution returns the day the organisation is dissolved, if that is in
// a year up to upTo. Each year after registration has its own chance.
func (o *org) dissolution(upTo int) (day int, reason string, ok bool) {
	for Y := o.regYear + 1; Y <= upTo; Y++ {
		r := stream(o.key, topicDissolve, Y)
		if r.chance(rates.dissolve[o.pi]) {
			return yearStart(Y) + r.intn(365), dissolveWhy[r.pick(dissolveWt[o.pi])], true
		}
	}
	return 0, "", false
}

func (w *worker) org(j int, mc *monthCtx) {
	o := &w.o
	o.load(w.g.cfg.Seed, j)
	M := mc.M
	if M < o.regM {
		return
	}
	alive := forever // the first day with no events: the day of dissolution
	dd, why, dissolved := o.dissolution(mc.year)
	if dissolved {
		if dd < mc.first {
			return
		}
		alive = dd
	}
	if (o.regM == M || mc.start) && w.orgEvent(srcRegister, tRegistered, o.regDay, "registered") {
		w.str("legal_form", legalForms[o.form])
		w.str("sector", sectors[o.sector])
		w.end()
	}
	w.accounts(o, mc, alive)
	w.orgTax(o, mc, alive)
	w.inspections(o, mc, alive)
	w.wages(o, mc, alive)
	for Y := max(mc.year-3, o.regYear); Y <= mc.year; Y++ {
		r := stream(o.key, topicCourt, Y)
		if !r.chance(rates.orgJudgment[o.pi]) {
			continue
		}
		jd := drawJudgment(&r, Y, 2000, 500000, rates.orgSatisfied[o.pi], rates.orgRestrict, rates.orgLifted, orgRestrictions[:], orgRestrictWt)
		if jd.day <= o.regDay {
			continue
		}
		w.courtEvents(&jd, mc, Y, 'o', o.idx, courtTypes{tOrgJudgment, tOrgJudgmentSatisfied, tOrgRestriction, tOrgRestrictionLifted}, "DC-CM-", "DC-RC-", alive)
	}
	if o.licensed {
		w.licences(o, mc, alive)
	}
	if dissolved && mc.has(dd) && w.orgEvent(srcRegister, tDissolved, dd, "dissolved") {
		w.str("reason", why)
		w.end()
	}
}

// orgEvent begins an event with the ID o0001234-<suffix>.
func (w *worker) orgEvent(src sourceID, t typeID, day int, suffix string) bool {
	if !w.begin(src, t, day) {
		return false
	}
	w.subjectID('o', w.o.idx)
	w.id(suffix)
	w.orgSubject()
	return true
}

// orgYearEvent begins an event with the ID o0001234-<year><suffix>.
func (w *worker) orgYearEvent(src sourceID, t typeID, day, Y int, suffix string) bool {
	if !w.begin(src, t, day) {
		return false
	}
	w.subjectID('o', w.o.idx)
	w.cur.b = appendYear(w.cur.b, Y)
	w.id(suffix)
	w.orgSubject()
	return true
}

// accounts writes annual accounts, due nine months after the fiscal year.
func (w *worker) accounts(o *org, mc *monthCtx, alive int) {
	for FY := max(mc.year-2, o.regYear); FY <= mc.year-1; FY++ {
		r := stream(o.key, topicAccounts, FY)
		deadline := dayOf(FY+1, 9, 30)
		earliest := dayOf(FY+1, 3, 1)
		late, onTime, days := r.chance(rates.accountsLate[o.pi]), earliest+r.intn(deadline-earliest+1), lateDays(&r, 60, 300)
		t, day := tAccountsFiled, onTime
		if late {
			t, day = tAccountsLate, deadline+days
		}
		if mc.has(day) && day < alive && w.orgYearEvent(srcRegister, t, day, FY, "-accounts") {
			w.int("fiscal_year", FY)
			if late {
				w.int("days_late", days)
			}
			w.end()
		}
	}
}

// orgTax writes company tax returns, due six months after the year, and
// arrears.
func (w *worker) orgTax(o *org, mc *monthCtx, alive int) {
	for Y := max(mc.year-3, o.regYear); Y <= mc.year-1; Y++ {
		r := stream(o.key, topicTax, Y)
		if Y < mc.year-2 && !mayHaveArrears(r, rates.orgArrears[o.pi]) {
			continue // a late return may be filed in the January two years on; after that only arrears
		}
		f := drawFiling(&r, dayOf(Y+1, 3, 1), dayOf(Y+1, 6, 30),
			rates.orgTaxLate[o.pi], rates.orgArrears[o.pi], rates.orgSettled[o.pi], 1000, 250000)
		if f.day >= alive {
			continue
		}
		f.arrears = f.arrears && f.arrDay < alive
		f.settled = f.settled && f.setDay < alive
		w.filingEvents(&f, mc, Y, 'o', o.idx, filingTypes{tOrgTaxFiled, tOrgTaxLate, tOrgTaxArrears, tOrgTaxSettled}, "tax_year", "TXC-")
	}
}

// inspections writes up to two inspections a year.
func (w *worker) inspections(o *org, mc *monthCtx, alive int) {
	Y := mc.year
	if Y < o.regYear {
		return
	}
	r := stream(o.key, topicInspect, Y)
	n := r.pick(rates.inspections[:])
	weights := inspWeights(o.sector)
	type inspection struct {
		day, typ, sev int
		failed        bool
	}
	var insp [2]inspection
	for k := range insp {
		insp[k] = inspection{day: yearStart(Y) + r.intn(365), typ: r.pick(weights),
			failed: r.chance(rates.inspFail[o.pi]), sev: r.pick(rates.severity[o.pi][:])}
	}
	if n == 2 && insp[1].day < insp[0].day {
		insp[0], insp[1] = insp[1], insp[0]
	}
	for k, in := range insp[:n] {
		if in.day <= o.regDay || in.day >= alive || !mc.has(in.day) {
			continue
		}
		src, refPrefix := srcSafety, "SI-"
		if in.typ == inspLabour {
			src, refPrefix = srcLabour, "LI-"
		}
		t := tInspPassed
		if in.failed {
			t = tInspFailed
		}
		if !w.orgYearEvent(src, t, in.day, Y, [...]string{"-inspection-1", "-inspection-2"}[k]) {
			continue
		}
		w.str("inspection_type", inspTypes[in.typ])
		if in.failed {
			w.str("severity", severities[in.sev])
		}
		w.key("inspection_ref")
		b := append(w.cur.b, '"')
		b = append(b, refPrefix...)
		b = appendYear(b, Y)
		b = append(b, '-')
		b = appendIndex(b, o.idx)
		w.cur.b = append(b, '-', byte('1'+k), '"')
		w.end()
	}
}

// wages writes wage arrears found by the labour inspectorate, and their
// settlement.
func (w *worker) wages(o *org, mc *monthCtx, alive int) {
	for Y := max(mc.year-1, o.regYear); Y <= mc.year; Y++ {
		r := stream(o.key, topicWage, Y)
		if !r.chance(rates.wageArrears[o.pi]) {
			continue
		}
		day := yearStart(Y) + r.intn(365)
		workers := r.between(1, min(o.size, 60))
		amount := int64(workers) * int64(r.between(800, 3000)) * 100
		settled, setDay := r.chance(rates.wageSettled[o.pi]), day+r.between(20, 270)
		if day <= o.regDay || day >= alive {
			continue
		}
		if mc.has(day) && w.orgYearEvent(srcLabour, tWageArrears, day, Y, "-wage-arrears") {
			w.ref("case_ref", "LI-WA-", Y, o.idx)
			w.int("workers", workers)
			w.money("amount", amount)
			w.end()
		}
		if settled && setDay < alive && mc.has(setDay) && w.g.kept(tWageArrears, day) &&
			w.orgYearEvent(srcLabour, tWageSettled, setDay, Y, "-wage-arrears-settled") {
			w.ref("case_ref", "LI-WA-", Y, o.idx)
			w.end()
		}
	}
}

// licences writes the organisation's chain of business licences: the first
// issued soon after registration, each renewed when it runs out until the
// organisation is dissolved or a licence is revoked.
func (w *worker) licences(o *org, mc *monthCtx, alive int) {
	r0 := stream(o.key, topicLicence, 0)
	issued := o.regDay + r0.between(5, 60)
	if _, _, d := civilFromDays(issued); d > 28 {
		issued -= d - 28
	}
	for k := 1; ; k++ {
		im := monthOf(issued)
		if im > mc.M || issued >= alive {
			return
		}
		r := stream(o.key, topicLicence, k)
		years := []int{3, 5}[r.pick(licenceYears)]
		expiry := addMonths(issued, 12*years)
		revoked := r.chance(rates.licenceRevoke[o.pi])
		revDay := addMonths(issued, r.between(1, 12*years-1))
		end := expiry
		if revoked {
			end = revDay
		}
		if im == mc.M || mc.start && im < mc.M && mc.first < end {
			if w.licenceEvent(o, tLicenceIssued, issued, k, "-issued") {
				w.str("activity", activities[o.activity])
				w.date("valid_until", expiry-1)
				w.end()
			}
		}
		if revoked {
			if mc.has(revDay) && revDay < alive && w.g.retained(tLicenceIssued, issued) && w.licenceEvent(o, tLicenceRevoked, revDay, k, "-revoked") {
				w.str("grounds", revocationGrounds(o.sector))
				w.end()
			}
			return
		}
		issued = expiry
	}
}

func (w *worker) licenceEvent(o *org, t typeID, day, k int, suffix string) bool {
	if !w.begin(srcLicensing, t, day) {
		return false
	}
	w.subjectID('o', o.idx)
	w.cur.b = append(w.cur.b, 'b', 'l')
	w.cur.b = strconv.AppendInt(w.cur.b, int64(k), 10)
	w.id(suffix)
	w.orgSubject()
	w.key("licence_no")
	w.cur.b = append(w.cur.b, `"BL-`...)
	w.cur.b = appendIndex(w.cur.b, o.idx)
	w.cur.b = append(w.cur.b, '-', byte('0'+k/10%10), byte('0'+k%10), '"')
	return true
}
