// Package tlog is Candor's transparency log (charter point 6): an
// append-only Merkle tree of salted commitments to every write and every
// read, kept with Tessera's POSIX driver in the C2SP tlog-tiles layout, with
// checkpoints (C2SP tlog-checkpoint) signed with Ed25519 as C2SP signed
// notes, and inclusion proofs in the C2SP tlog-proof format.
//
// One log entry is a Bundle of up to MaxCommitments commitments
// (candor.NewCommitment), because Tessera appends tens of thousands of
// entries a second on a small machine and Candor records far more records
// than that. A proof for one commitment is the inclusion proof of its
// bundle plus the bundle itself, from which the verifier recomputes the
// leaf hash and finds the commitment.
//
// The log holds no personal data, only commitments, so its checkpoint and
// tiles may be served to anyone (Handler).
//
// Operating it: publish VerifierKey and the origin; they are all anyone needs
// to check a checkpoint or a proof (VerifyProof, VerifyConsistency), and
// the origin must not change for the life of the log. To have checkpoints
// cosigned, run any C2SP tlog-witness implementation elsewhere (another
// operator, ideally), configured with the log's origin and verifier key,
// and list it in Options.WitnessPolicy with its cosignature/v1 vkey and URL;
// the witness then refuses to cosign any checkpoint inconsistent with one
// it cosigned before, so the log cannot show different histories to
// different people.
//
// Guarantees:
//   - An index returned by Append or AppendAll MUST be durable: the entry is
//     sequenced and integrated into the tree on disk and survives a crash.
//   - The log MUST only grow: every checkpoint it publishes is consistent
//     with every earlier one, and indexes never change their entry.
//   - A checkpoint covering an appended entry SHOULD be published within
//     about Options.CheckpointInterval plus twice Options.BatchMaxAge of
//     the Append (with the defaults, p99 under 1 s measured at 150,000
//     commitments/s), plus the witnesses' answer if a policy is set.
//   - Proofs MUST verify against the published checkpoint they carry: the
//     log checks each one before it returns it.
package tlog
