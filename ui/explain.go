package ui

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/candor-project/candor"
)

// A person's explanations, in words: written from the catalogue's titles
// and actions, the scorecard's reason texts and the score's computed
// hints, never from identifiers.

// actionView is one reason the grade is lower, what the person can do
// about it, and when the facts behind it stop counting.
type actionView struct {
	Reason string
	Points float64
	Do     string   // what the person can do (the rule's or its types' action)
	Facts  []string // one sentence per hint: which fact, when it stops counting, what it costs
}

// gradeText says what the grade means for this person: the band's own
// description when nothing lowered the score, else what lowered it —
// never alternatives the person's facts do not include.
func gradeText(sc *candor.Scorecard, score candor.Score, l locale) string {
	if len(score.Reasons) == 0 {
		return l.data(bandText(sc, score.Grade))
	}
	var rs []string
	for _, r := range score.Reasons {
		rs = append(rs, lowerFirst(l.data(r.Text)))
	}
	return l.T("lowered by %s", joinAnd(rs, l))
}

// actions explains each reason of score.
func actions(sc *candor.Scorecard, score candor.Score, cat *candor.Catalogue, l locale) []actionView {
	var out []actionView
	for _, r := range score.Reasons {
		a := actionView{Reason: l.data(r.Text), Points: r.Points, Do: actionIn(sc, r.Rule, cat, l)}
		for _, h := range score.Hints {
			if h.Rule == r.Rule {
				a.Facts = append(a.Facts, hintSentence(h, score, cat, l))
			}
		}
		out = append(out, a)
	}
	return out
}

// actionIn is sc.ActionOf(id) in l's language: the rule's own action, or
// its types' actions, each translated if it can be.
func actionIn(sc *candor.Scorecard, id string, cat *candor.Catalogue, l locale) string {
	if l.index == 0 {
		return sc.ActionOf(id, cat)
	}
	own, types := "", []string(nil)
	for _, r := range sc.Rules {
		if r.ID == id {
			own, types = r.Action, r.EventTypes
		}
	}
	for _, c := range sc.Characteristics {
		if c.ID == id {
			own, types = c.Action, c.EventTypes
		}
	}
	if own != "" {
		return l.data(own)
	}
	var out []string
	for _, name := range types {
		if t := cat.Type(name); t != nil && t.Action != "" && !slices.Contains(out, l.data(t.Action)) {
			out = append(out, l.data(t.Action))
		}
	}
	return strings.Join(out, " ")
}

// hintSentence writes a hint for a person: which fact (by its title and
// date), when it stops counting, and what the grade would be without it.
func hintSentence(h candor.Hint, score candor.Score, cat *candor.Catalogue, l locale) string {
	if h.Until.IsZero() { // a characteristic's: its text is all there is
		return h.Text + "."
	}
	var what, effect string
	if len(h.Events) == 1 && h.Type != "" {
		title := h.Type
		if t := cat.Type(h.Type); t != nil && t.Title != "" {
			title = l.data(t.Title)
		}
		what = l.T("Your %s of %s stops counting on %s.", title, l.D(h.OccurredAt), l.D(h.Until))
		if h.Grade != score.Grade {
			effect = l.T("Without it, your grade would be %s (%d points instead of %d).", h.Grade, h.Points, score.Points)
		} else {
			effect = l.T("Without it, you would have %d points instead of %d (still grade %s).", h.Points, score.Points, h.Grade)
		}
	} else {
		what = l.T("These %d facts stop counting one by one, the last on %s.", len(h.Events), l.D(h.Until))
		if h.Grade != score.Grade {
			effect = l.T("Without them, your grade would be %s (%d points instead of %d).", h.Grade, h.Points, score.Points)
		} else {
			effect = l.T("Without them, you would have %d points instead of %d (still grade %s).", h.Points, score.Points, h.Grade)
		}
	}
	return what + " " + effect
}

// nextText says when the grade next changes if nothing new happens.
func nextText(sc *candor.Scorecard, grade string, next *candor.GradeChange, l locale) string {
	if next == nil {
		return l.T("If nothing new happens, your grade stays %s for at least the next two years.", grade)
	}
	if sc.GradeRank(next.Grade) < sc.GradeRank(grade) {
		return l.T("If nothing new happens, your grade rises to %s on %s, as older facts fade and stop counting.", next.Grade, l.D(next.At))
	}
	return l.T("If nothing new happens, your grade falls to %s on %s, as older facts fade and stop counting.", next.Grade, l.D(next.At))
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	next, _ := utf8.DecodeRuneInString(s[n:])
	if n == 0 || !unicode.IsUpper(r) || unicode.IsUpper(next) {
		return s // empty, already lower, or an acronym
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(list []string, l locale) string {
	if len(list) < 2 {
		return strings.Join(list, "")
	}
	return l.T("%s and %s", strings.Join(list[:len(list)-1], l.T(", ")), list[len(list)-1])
}
