// Package admins keeps the policy administrators' keys honest (the
// two-person rule): who is an administrator, and every act of one, is a
// chain of administrative acts (candor.AdminAct), each stored with a MAC
// made with a key derived from the master key and committed to the
// transparency log in the same store commit.
//
// The first two administrators are bootstrapped: their keys are minted
// alone. After that, a key is only requested by an administrator and
// works once a second administrator — neither the one who asked nor the
// one it is for — approves it. A key counts as an administrator's only
// while the chain holds its minting (bootstrap, or request and approval)
// with the key's own token hash, and no revocation: a key written into
// the store directly, or an act written there without the master key,
// gives no power.
package admins
