// Package decisions answers relying parties: eligibility decisions about a
// subject, only with the subject's consent, only for a purpose the relying
// party is registered for, with reasons the subject can see and contest
// (charter points 5 and 7). It also keeps the relying parties, the
// consents and the human reviews of decisions.
//
// Everything about a subject is stored as a candor.Record sealed with the
// subject's data key. Decisions are scored from the matches materialised
// on ingest (the active scorecards must be materialised, as candor serve
// ensures), and a stored decision can be reproduced: scoring the events
// known when it was taken, at its instant, under its scorecard version,
// gives the same outcome.
package decisions
