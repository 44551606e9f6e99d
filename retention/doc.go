// Package retention removes facts past their retention (charter point 7:
// negative facts expire). Facts stop counting the instant their type's
// retention has passed, at read time (candor.Event.EffectiveState); the
// Purger then deletes them from the store, with their matches, through
// audit.Changes, so that the transparency log accounts for every removal.
package retention
