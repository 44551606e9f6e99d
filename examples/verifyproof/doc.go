// Command verifyproof checks a proof that Candor logged a record — a
// person's fact (GET /v1/me/events/proofs) or a read of their data (GET
// /v1/me/access/{n}/proof) — with nothing but the log's published
// verifier key and golang.org/x/mod/sumdb/{note,tlog}, following
// docs/transparency-log.md. It imports nothing from Candor.
//
//	go run ./examples/verifyproof -key "$(curl -s HOST/.well-known/candor-log-key)" proof.json
//
// proof.json is one proof object (a write proof has an "event" field, an
// access proof an "n"). It prints what it established, or why not, and
// exits 1 on a proof that does not verify.
package main
