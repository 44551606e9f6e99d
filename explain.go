package candor

import "strings"

// Explanations for people: every event type has a Title (what a person
// calls such a fact) and an Action (what they can do about one), and
// every rule and characteristic a ReasonText and an action, its own or
// its event types'. The portal writes a person's explanations from these
// and from the computed hints, never from identifiers such as
// credit.instalment_late or late_30.

// Unexplained returns the names of the event types in c that lack a title
// or an action, which the portal refuses to serve without.
func (c *Catalogue) Unexplained() []string {
	var out []string
	for _, t := range c.Types() {
		if strings.TrimSpace(t.Title) == "" || strings.TrimSpace(t.Action) == "" {
			out = append(out, t.Name)
		}
	}
	return out
}

// ActionOf returns what a person can do about the facts rule (or
// characteristic) id of s counts: its own action, or else the distinct
// actions of its event types in cat, in the rule's order; "" for an
// unknown rule.
func (s *Scorecard) ActionOf(id string, cat *Catalogue) string {
	own, types := "", []string(nil)
	for _, r := range s.Rules {
		if r.ID == id {
			own, types = r.Action, r.EventTypes
		}
	}
	for _, c := range s.Characteristics {
		if c.ID == id {
			own, types = c.Action, c.EventTypes
		}
	}
	return actionOf(own, types, cat)
}

func actionOf(own string, types []string, cat *Catalogue) string {
	if a := strings.TrimSpace(own); a != "" {
		return a
	}
	var out []string
	for _, name := range types {
		t := cat.Type(name)
		if t == nil || strings.TrimSpace(t.Action) == "" {
			return "" // unexplained: Validate says so
		}
		a := strings.TrimSpace(t.Action)
		if !contains(out, a) {
			out = append(out, a)
		}
	}
	return strings.Join(out, " ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
