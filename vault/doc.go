// Package vault holds Candor's secrets and everything sealed with them: the
// master key file, the per-subject data keys it wraps, the keyed blind index
// for external identifiers, keyed digests, and the binary encoding of the
// sealed parts of subjects and events.
//
// Erasing a subject's wrapped data key makes everything sealed with it
// unreadable wherever copies live (crypto-shredding), once every copy of
// the wrapped key is gone: the wrapped keys are stored with the data, so a
// backup of the store keeps them until the backup itself is destroyed.
package vault
