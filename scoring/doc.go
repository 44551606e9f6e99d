// Package scoring compiles scorecards (YAML with CEL conditions) against the
// catalogue and evaluates them over one subject's events.
//
// A scorecard is checked whole when it is loaded: the charter's guards
// (candor.Scorecard.Validate) and every condition, type-checked against the
// fields of its rule's event types. What is accepted evaluates without
// errors. Evaluation is a pure function of the subject's own events and the
// instant; windows and decay are applied at that instant, so a grade changes
// when a late payment ages out, with no new event.
package scoring
