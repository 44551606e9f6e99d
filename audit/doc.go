// Package audit connects the store to the transparency log (charter point
// 6): the Appender carries the commitments every commit records
// (candor.AuditEntry) into the log, the AccessLog records reads before they
// are served (its writers share group commits, internal/groupcommit),
// Changes changes and removes stored facts with the commitments it retires,
// and Verify checks a store against its log offline. CheckWhole checks a
// served log and the store whole, CheckSince only what the log appended
// since the Verified mark the store keeps, signed with the log's key, so
// that a node's start does not grow with its log.
//
// The guarantee is fail closed: a write or a read is acknowledged only once
// its commitment is durable in the store, in the same atomic commit as the
// write or the access record. The log follows: every recorded commitment
// reaches it, in order, within about a second, and after a crash the
// Appender's recovery appends whatever was recorded but not yet logged,
// without logging anything twice.
package audit
