// Package disputes lets a subject contest a fact and its source answer
// (charter point 7). While a dispute is open the fact is set aside: its
// state, and its materialised matches', is disputed, so no score counts it.
// The source verifies it (it counts again), corrects it (it posts a
// correction event, which replaces it) or withdraws it (removed); a fact
// not verified within candor.DisputeWindow is removed by Expire. Relying
// parties that received a decision about the subject within
// candor.NoticePeriod are sent a notice when a fact is corrected or
// removed.
//
// Every state change goes through audit.Changes, so the transparency log
// records it and audit verify accounts for it.
package disputes
