// Package policy is the policy administrators' service (candor.Policy):
// scorecard versions proposed and approved under the two-person rule, and
// the administrators' own keys, each act recorded in the chain of
// administrative acts (admins.Service). The API and the CLI both act
// through it, so that policy is administered with the server running.
package policy
