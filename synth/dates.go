package synth

// Calendar arithmetic on day numbers (days since 1970-01-01) and absolute
// months (year*12 + month-1), in integers: no time.Time on the hot path.

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// daysFromCivil returns the day number of y-m-d (proleptic Gregorian;
// Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int) (y, m, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// monthStart returns the day number of the first day of absolute month M.
func monthStart(M int) int {
	if k := M - tableFirstMonth; 0 <= k && k < len(monthStarts) {
		return int(monthStarts[k])
	}
	return daysFromCivil(floorDiv(M, 12), M-floorDiv(M, 12)*12+1, 1)
}

// monthStarts caches monthStart for the months from 1900 to 2199.
const tableFirstMonth = 1900 * 12

var monthStarts = func() (t [300 * 12]int32) {
	for k := range t {
		M := tableFirstMonth + k
		t[k] = int32(daysFromCivil(M/12, M%12+1, 1))
	}
	return t
}()

// dayOf returns the day number of y-m-d.
func dayOf(y, m, d int) int { return monthStart(y*12+m-1) + d - 1 }

// monthOf returns the absolute month of a day number.
func monthOf(day int) int {
	y, m, _ := civilFromDays(day)
	return y*12 + m - 1
}

// yearOf returns the year of a day number.
func yearOf(day int) int {
	y, _, _ := civilFromDays(day)
	return y
}

// yearStart returns the day number of 1 January of y.
func yearStart(y int) int { return monthStart(y * 12) }

// addMonths returns the same day of the month n months after day; the day
// of the month must be at most 28.
func addMonths(day, n int) int {
	y, m, d := civilFromDays(day)
	M := y*12 + m - 1 + n
	return monthStart(M) + d - 1
}

// appendDate appends day as YYYY-MM-DD.
func appendDate(b []byte, day int) []byte {
	y, m, d := civilFromDays(day)
	b = append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	return append(b, byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}

// appendMonth appends absolute month M as YYYY-MM.
func appendMonth(b []byte, M int) []byte {
	y, m := floorDiv(M, 12), M-floorDiv(M, 12)*12+1
	b = append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	return append(b, byte('0'+m/10), byte('0'+m%10))
}

// appendYear appends a four-digit year.
func appendYear(b []byte, y int) []byte {
	return append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
}
