// Package natsingest feeds events that sources publish to a NATS JetStream
// stream into the same ingest pipeline POST /v1/events uses.
//
// A source publishes a batch as one message on the subject
// <Subjects>.<source ID> (candor.events.bank7), with the header
// "Authorization: Bearer <the source's API key>" and a Content-Type header
// (the types POST /v1/events accepts; none means application/x-ndjson). Each
// message is authenticated, decoded, validated and committed exactly like an
// HTTP request: whole or not at all, a re-published event is a duplicate.
//
// A message is acknowledged only after its events are durably committed. A
// refused message (unknown key, a key of another source, a type the source
// may not post, invalid events) is published to the dead-letter stream with
// the error a 422 or 403 would carry, and then terminated; a message that
// fails for a passing reason (shutting down, a store failure) is redelivered.
package natsingest
