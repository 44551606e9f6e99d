// Package stats answers aggregate questions about the population with
// differential privacy, and is the only way counts leave Candor:
// analysts' queries from a closed list (candor.StatTables), monthly
// open-data releases, and the operator console's grade census and grade
// migrations (ConsoleViews).
//
// Every count is the exact number of subjects in its cell, each subject
// adding one to a bounded number of cells (PerMonth, MaxCells; 1 for
// grades), plus noise from the discrete Laplace mechanism of scale
// bound/ε, clamped at 0: each table is ε-differentially private (δ = 0)
// for adding or removing one subject. A person known by identifiers a
// registry linked (package identity) is several subjects in the store and
// one in every count: with Options.Groups, the members' facts are counted
// as one subject's, bounded as one subject's are, and the census gives the
// person one grade, that of the union of the facts. The noise is sampled exactly, with
// integer arithmetic only, from crypto/rand (or any io.Reader, for tests)
// as Canonne, Kamath and Steinke describe ("The Discrete Gaussian for
// Differential Privacy", NeurIPS 2020, algorithms 1–3); the discrete
// Gaussian sampler of the same paper is here too (Sampler.Gaussian).
// Google's differential-privacy Go library is not available to this
// build, so the samplers are written from the paper and tested for their
// mean, variance and tails at fixed seeds.
//
// Every answer first spends its ε from the privacy-budget Ledger: one
// record per spend in the store (candor.RecordPrivacySpend), committed
// with its write commitment so that the transparency log holds it and
// audit verify accounts for it, per analyst key, per release and for the
// console. A query the budget cannot pay for is refused with EFORBIDDEN
// and writes nothing. docs/statistics.md is the reader's account.
package stats
