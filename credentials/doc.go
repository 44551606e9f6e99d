// Package credentials issues status credentials the holder controls and
// verifies them offline (charter point 5; DESIGN.md section 5a).
//
// A credential is an SD-JWT VC (RFC 9901 selective disclosure, the IETF
// SD-JWT VC profile) signed with ES256: each statement the holder picked
// from the closed catalogue (statements.go) is a separate disclosure with
// a fresh salt, and the holder binds it to themselves by disclosing an
// identity document number, which a verifier compares with the document
// in front of them. Credentials that live for days have an entry in one
// IETF Token Status List for all holders: revoked when the holder revokes
// it, suspended while a statement in it is no longer true. A verifier
// needs only the issuer's published keys (/.well-known/jwt-vc-issuer) and
// that list; the issuer does not learn who verifies what.
package credentials
