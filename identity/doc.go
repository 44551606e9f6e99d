// Package identity links the identifiers of one subject (issue 20): a
// registry (a civil registry, a tax office, a company registry: sources
// of kind registry or tax_authority) says that two identifiers name one
// person or organisation, and Candor shows the two subjects as one
// profile, until the registry, or a dispute, undoes the link.
//
// # Design
//
// Keep per-subject keys and resolve the alias at read. A subject is
// created per identifier, under its own data key, before anyone knows two
// identifiers are one person; its facts are sealed with that key, their
// commitments salted with its salt, and its dedupe entries and matches
// name it. Re-sealing the alias's facts under the survivor's key would
// rewrite every one of them (new ciphertexts, new commitments to retire
// and add, new event IDs that disputes and decisions already name), and
// undoing the link would have to rewrite them back and tell which facts
// were the alias's. So a link moves nothing:
//
//   - A link step (candor.Link: linked or unlinked, survivor, alias,
//     source, reference, time) is stored as a record (candor.RecordLink)
//     under each of the two subjects, sealed with that subject's key
//     through vault's record API, and committed to the transparency log
//     with that subject's salt (candor.LinkCommitment), all in one store
//     commit: merging and unmerging are writes in the log, and a crash
//     leaves all or nothing of a step. Steps are never changed or
//     deleted: unlinking adds an unlinked step, so the history stays
//     provable. audit.Verify accounts for every step's record.
//   - The profile of any member is the group's: Group returns the
//     survivor and its aliases, from the member's own link records (and
//     the survivor's, for an alias). Readers (package profile: the
//     person's facts, identifiers and scores) read every member's facts
//     with each member's key and merge them in time order; a score of
//     the group is the score of the union of the facts, which is what a
//     store that had all the facts under one subject gives.
//   - Later posts under either identifier keep landing on their own
//     subject (the blind index is unchanged), and so on the one profile.
//   - Unlinking adds the unlinked step; every fact, key, match and
//     commitment is where it would be had the link never been made, so
//     the two profiles are restored exactly: same facts, same scores.
//   - Erasure of a merged profile reaches both: Group gives the members,
//     and each is erased under its own key (their link records and the
//     commitments of those go with them: audit.Changes.Erase retires
//     them).
//
// # Links as facts
//
// A registry links by posting a fact, identity.linked (candor.TypeLinked;
// undone by identity.unlinked), through the ordinary event paths: POST
// /v1/events in any format, CSV, NATS, and POST /v1/identity/links, which
// is one such fact. The ingest pipeline validates it as any fact (the
// other identifier too), stores it as an event (its ID the idempotency
// key), and commits a request holding link facts whole, in one commit of
// its own, with its link steps (checked by a Plan against the store and
// the request's earlier facts) and its other events, under the links
// lease. An identifier no profile has yet is given a subject by the link
// (pre-linking): facts posted under it later land on the linked profile.
//
// An erroneous link is undone by the registry (identity.unlinked) or
// through the person's dispute (Dispute), which sends the link's fact to
// review through the disputes workflow: the link stands meanwhile; the
// registry (or an operator for it) verifies it, and it stands, or
// withdraws or corrects it, or lets the 30 days pass, and the link is
// undone (UndoFact, from disputes.Service.UndoLinks).
//
// A link is refused across subject kinds (EINVALID), between identifiers
// of one subject (EINVALID), when the alias is already linked to another
// profile or has aliases of its own, or the survivor is another's alias
// (ECONFLICT, naming the link to undo first), and from a source that is
// not a registry (EFORBIDDEN). Link writes are serialised within a
// process and, through a lease in the store (LinksLease), among the nodes
// sharing it, so that no identifier is linked to two profiles at once;
// their commits are fenced with the lease (candor.WriteBatch.Fence), so
// that a node that stalled past the lease's TTL while another took it
// over cannot commit what it checked.
package identity
