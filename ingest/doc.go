// Package ingest is Candor's write path: it decodes what sources post,
// validates it whole against the catalogue and the source's permissions,
// resolves subjects through the blind index, drops duplicates, seals the
// content with each subject's data key and commits durably in group commits
// (internal/groupcommit): a request is answered only once its events, with
// their write commitments, are durable, or refused whole with every problem
// named.
package ingest
