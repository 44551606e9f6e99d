package ui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/candor-project/candor"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// The console's, the public scorecard, register, verify and open-data
// pages' words in the page's language: times, months, periods, counts
// and the values those pages show as words. Their messages are in
// messages_console.go.

// DT writes an instant, to the minute, as the language writes it, in UTC.
func (l locale) DT(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return l.D(t) + " " + t.UTC().Format("15:04") + " UTC"
}

// Clock writes the time of day of an instant, to the second, in UTC.
func (l locale) Clock(t time.Time) string { return t.UTC().Format("15:04:05") + " UTC" }

// Month writes a calendar month as the language names it.
func (l locale) Month(t time.Time) string {
	switch languages[l.index].Code {
	case "ru":
		return fmt.Sprintf("%s %d", ruMonthNames[t.Month()-1], t.Year())
	case "zh-Hans":
		return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
	}
	return t.Format("January 2006")
}

// ShortMonth writes a month as an axis labels it.
func (l locale) ShortMonth(t time.Time) string {
	switch languages[l.index].Code {
	case "ru":
		return fmt.Sprintf("%s %d", ruMonthShort[t.Month()-1], t.Year())
	case "zh-Hans":
		return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
	}
	return t.Format("Jan 2006")
}

var (
	ruMonthNames = [12]string{"январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"}
	ruMonthShort = [12]string{"янв.", "февр.", "март", "апр.", "май", "июнь", "июль", "авг.", "сент.", "окт.", "нояб.", "дек."}
)

// N writes a whole number with the language's digit grouping.
func (l locale) N(n int) string { return l.p.Sprintf("%d", n) }

// Pct writes a share from 0 to 1 as a percentage with one decimal.
func (l locale) Pct(f float64) string { return l.Dec(100*f, 1) + " %" }

// Dec writes a number with prec decimals and the language's decimal
// sign.
func (l locale) Dec(f float64, prec int) string {
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if languages[l.index].Code == "ru" {
		for i := range len(s) {
			if s[i] == '.' {
				return s[:i] + "," + s[i+1:]
			}
		}
	}
	return s
}

// C writes a count as the console shows it: "<10" for a suppressed one,
// "about N" for a total rounded to tens.
func (l locale) C(c countView) string {
	switch {
	case c.Suppressed:
		return "<" + strconv.Itoa(minCount)
	case c.About:
		return l.T("about %d", c.N)
	}
	return l.N(c.N)
}

// Waiting writes how long a request has waited, in whole days.
func (l locale) Waiting(d time.Duration) string {
	days := int(d / day)
	if days <= 0 {
		return l.T("under a day")
	}
	return l.Days(days)
}

// Days writes a number of days.
func (l locale) Days(n int) string {
	if n == 1 {
		return l.T("1 day")
	}
	return l.T("%d days", n)
}

// Took writes how long a pass took.
func (l locale) Took(d time.Duration) string {
	if d = d.Round(time.Millisecond); d <= 0 {
		return l.T("under a millisecond")
	}
	if d < time.Second {
		return l.T("%d ms", int(d/time.Millisecond))
	}
	return l.T("%s s", l.Dec(d.Seconds(), 1))
}

// Period writes a duration in whole years, months of 30 days or days.
func (l locale) Period(d time.Duration) string {
	n := int(d / day)
	switch {
	case n > 0 && n%365 == 0:
		if n == 365 {
			return l.T("1 year")
		}
		return l.T("%d years", n/365)
	case n > 0 && n%30 == 0:
		if n == 30 {
			return l.T("1 month")
		}
		return l.T("%d months", n/30)
	}
	return l.Days(n)
}

// Kinds names a kind of subject in the plural, for a heading or a
// caption ("persons").
func (l locale) Kinds(kind string) string { return l.T(kind + "s") }

// Noun names a kind of subject with its article ("a person").
func (l locale) Noun(k candor.SubjectKind) string { return l.T(k.Noun()) }

// Purpose is a purpose in words, in the language.
func (l locale) Purpose(p candor.Purpose) string { return l.T(purposeText(p)) }

// Word translates a value the pages show as a word (a state, an outcome,
// a role, a kind of source), written with spaces for underscores, or
// returns it as it is if the catalogue has no such word (a name).
func (l locale) Word(s string) string {
	if w := words(s); translated(w) {
		return l.T(w)
	}
	return s
}

// translated reports whether the catalogue has a translation of key,
// whichever file gave it (one the same as the key, as ", " in Russian,
// only if translations has it).
func translated(key string) bool {
	_, ok := translations[key]
	return ok || ruPrinter.Sprintf(key) != enPrinter.Sprintf(key)
}

var ruPrinter, enPrinter = message.NewPrinter(language.Russian, message.Catalog(messages)), message.NewPrinter(language.English, message.Catalog(messages))

// Datum is a text of the catalogue or a scorecard in the language, if it
// has a translation (data); Foreign says it has none, so that a page can
// mark it as English for readers and screen readers.
func (l locale) Datum(s string) string { return l.data(s) }

// Foreign reports whether s, a text of the catalogue or a scorecard, is
// shown in English on a page in another language.
func (l locale) Foreign(s string) bool {
	if l.index == 0 || s == "" {
		return false
	}
	_, ok := dataTranslations[s]
	return !ok
}

// Counting says how a rule counts, in words.
func (l locale) Counting(rl candor.Rule) string {
	var parts []string
	if rl.Window > 0 {
		parts = append(parts, l.T("facts of the last %s", l.Period(rl.Window)))
	} else {
		parts = append(parts, l.T("facts until they drop off"))
	}
	switch rl.Decay {
	case candor.DecayLinear:
		parts = append(parts, l.T("worth less as they age, nothing at the end"))
	case candor.DecayHalfLife:
		parts = append(parts, l.T("each worth half as much every %s", l.Period(rl.HalfLife)))
	}
	switch rl.Counting {
	case candor.CountFirst:
		parts = append(parts, l.T("only the first counts"))
	case candor.CountAtMost:
		parts = append(parts, l.T("only the %d most recent count", rl.AtMost))
	}
	if rl.Cap > 0 {
		parts = append(parts, l.T("never more than %s points in all", strconv.FormatFloat(rl.Cap, 'g', -1, 64)))
	}
	return strings.Join(parts, l.T("; "))
}

// Aggregate says how a characteristic's value is worked out, in words.
func (l locale) Aggregate(c candor.Characteristic) string {
	over := l.T("until they drop off")
	if c.Window > 0 {
		over = l.T("of the last %s", l.Period(c.Window))
	}
	switch c.Aggregate {
	case candor.AggregateCount:
		return l.T("how many such facts %s", over)
	case candor.AggregateMonthsSinceLast:
		return l.T("whole months since the latest such fact %s (none: no value)", over)
	case candor.AggregateShare:
		return l.T("the share, from 0 to 1, of the facts of these types %s for which the condition holds (none: no value)", over)
	case candor.AggregateSum:
		return l.T("the total %s of such facts %s (none: 0)", l.aggregatedField(c), over)
	case candor.AggregateMax:
		return l.T("the largest %s among such facts %s (none: no value)", l.aggregatedField(c), over)
	}
	return c.Aggregate.String()
}

// aggregatedField names the field a sum or max aggregates, with its
// currency.
func (l locale) aggregatedField(c candor.Characteristic) string {
	if c.Currency == "" {
		return l.field(c.Field)
	}
	return l.T("%s in %s", l.field(c.Field), c.Currency)
}

// Bin says which values a characteristic's bin holds, in words.
func (l locale) Bin(b candor.Bin) string {
	f := func(p *float64) string { return strconv.FormatFloat(*p, 'g', -1, 64) }
	switch {
	case b.Missing:
		return l.T("none in the window")
	case b.From != nil && b.Below != nil:
		return l.T("from %s to below %s", f(b.From), f(b.Below))
	case b.From != nil:
		return l.T("%s or more", f(b.From))
	case b.Below != nil:
		return l.T("below %s", f(b.Below))
	}
	return l.T("any value")
}

// The credentials service's English sentences (credentials.Explain)
// that Credential writes in another language. Their translations take
// their arguments as text, as the person's pages' do.
const (
	withheldKey = "%d more statement(s) in this credential, which the holder chose not to show; you cannot tell what they say."
	absentKey   = "Nothing about %q: it is not in this credential."
)

// Credential returns a verified credential's explanation in l's
// language, written from its parts; e itself in English, or if it has no
// parts.
func (l locale) Credential(e *candor.CredentialExplanation) *candor.CredentialExplanation {
	if e == nil || l.index == 0 || e.IssuedAt.IsZero() {
		return e
	}
	out := *e
	out.Valid = l.T("issued %s, valid until %s", l.DT(e.IssuedAt), l.DT(e.Expires))
	out.Status = l.T("none: a short-lived credential, valid for minutes, is not listed")
	if e.StatusWord != "" {
		out.Status = l.T("%s (status list of %s)", l.Word(e.StatusWord), l.DT(e.StatusAsOf))
	}
	out.Says = nil
	for _, st := range e.Shown {
		switch {
		case st.Label == "":
			out.Says = append(out.Says, l.T("%s: %v (not a statement Candor defines)", st.Name, fmt.Sprint(st.Value)))
		case st.Value == true:
			out.Says = append(out.Says, l.T(st.Label))
		default:
			out.Says = append(out.Says, l.T(st.Label, fmt.Sprint(st.Value)))
		}
	}
	out.NotReceived = nil
	if e.Document == "" {
		out.NotReceived = append(out.NotReceived, l.T("No identity document number: nothing ties this credential to the person in front of you."))
	}
	if e.Withheld > 0 {
		out.NotReceived = append(out.NotReceived, l.T(withheldKey, strconv.Itoa(e.Withheld)))
	}
	for _, name := range e.Absent {
		out.NotReceived = append(out.NotReceived, l.T(absentKey, name))
	}
	out.NotReceived = append(out.NotReceived, l.T("No name, address, photo, facts, amounts, points or scores: a credential never carries them."))
	return &out
}

// Signed writes points with their sign (a real minus) and the language's
// decimal sign, to one decimal.
func (l locale) Signed(f float64) string {
	f = math.Round(f*10) / 10
	switch {
	case f > 0:
		return "+" + l.Dec(f, -1)
	case f < 0:
		return "−" + l.Dec(-f, -1)
	}
	return "0"
}

// Errorf is candor.Errorf with its message translated into l's
// language: for the errors the pages make themselves.
func (l locale) Errorf(code, key string, args ...any) *candor.Error {
	return candor.Errorf(code, "%s", l.T(key, args...))
}
