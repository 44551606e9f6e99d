// Package registrar is the operator's administration: it registers the
// sources that post events and the relying parties that ask for
// decisions, and issues and revokes the API keys of everyone but the
// policy administrators (package admins keeps theirs under the two-person
// rule). The CLI uses it on the store directly, and the API, for an
// operator's key, with the server running: the same rules either way.
package registrar
