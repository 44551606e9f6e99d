// Package synth generates a deterministic, seeded synthetic population —
// persons and organisations with about three years of history from a dozen
// sources — for the demo and the benchmarks.
//
// Generate only produces data: it writes events as NDJSON lines in exactly
// the shape POST /v1/events accepts, batched per source, and hands each batch
// to a callback. It holds no more than a few batches per worker in memory,
// whatever the size of the population.
//
// Everything is a pure function of (seed, subject, month): the same seed
// gives the same identifiers, the same event IDs and byte-identical events
// for a subject's month whatever the population size, the window or the
// clock, so posting a population again — later, or with more persons —
// produces duplicates of what exists and never a conflict. (Another seed is
// another world: same IDs, other content.)
//
// The world: persons have a behaviour profile (reliable, occasional,
// struggling) that sets how often they pay late, and late payments cluster
// in spells of financial stress that hit rent, bills and instalments at
// once. About 40% rent, 40% hold a city-utility account, a third have one or
// two loans at a time, nearly all file tax returns; money judgments, court
// restrictions and work permits are rare. Organisations (compliant, lax,
// delinquent) file accounts and tax returns, are inspected, hold licences,
// and now and then owe wages, lose a judgment or are dissolved. The rates
// are in one table, in rates.go. Default12 draws each person's outcome, a
// default within 12 months, from their profile and their spells of stress:
// a lender's own outcome for fitting a scorecard, never posted to Candor. Newcomers and new organisations arrive in
// the three years either side of January 2025, a fixed anchor; everyone else
// was registered before.
//
// Event IDs are stable and unique per source: p0001234-registered,
// p0001234-2025-03-rent, p0001234-2025-03-bill, NB-0001234-0-337-2025-03
// (an instalment; the account is bank, person, slot and generation),
// NB-0001234-0-337-opened, p0001234-2024-return, p0001234-2024-arrears,
// p0001234-2025-judgment, p0001234-wp2-issued, o0000123-2024-accounts,
// o0000123-2025-inspection-1, o0000123-bl1-issued, and so on.
package synth
