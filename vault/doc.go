// Package vault holds Candor's secrets and everything sealed with them: the
// master key file, the per-subject data keys it wraps, the keyed blind index
// for external identifiers, keyed digests, and the binary encoding of the
// sealed parts of subjects and events.
//
// The wrapped data keys are kept in a candor.Keyring, apart from the data
// (a directory, schema or database of their own), so a backup of the
// store holds none. Erasing a subject's wrapped data key from the keyring
// (ShredKey) makes everything sealed with it unreadable wherever copies
// live, backups of the store included (crypto-shredding), once the
// keyring's own backups older than the erasure have expired.
package vault
