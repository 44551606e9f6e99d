// Package policy is the policy administrators' service (candor.Policy):
// scorecard versions proposed, audited for fairness and approved under
// the two-person rule, and the administrators' own keys, each act
// recorded in the chain of administrative acts (admins.Service). The API
// and the CLI both act through it, so that policy is administered with
// the server running. A fairness audit (AuditSample) scores an auditor's
// sample with the version's own bins; only its group-level summary is
// kept, bound by an act to the version's source.
package policy
