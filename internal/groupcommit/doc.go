// Package groupcommit is the one group-commit engine of Candor: writers
// that arrive while a commit is under way wait together and share the next
// one, so a store sync is paid once per group, not once per writer.
//
// The engine gathers the requests waiting on a channel into a group, has
// the group's owner (a Handler) turn it into one candor.WriteBatch, commits
// it — pipelined with a candor.PipelinedCommitter, so one group syncs while
// the next is applied — and, once the batch is durable, lets the owner
// answer each writer with the group's outcome, in commit order. A writer is
// answered only after its group is durable or has failed; never before.
//
// Ingest (the write path of events) and the access log (the record of
// every read) both commit through it.
package groupcommit
