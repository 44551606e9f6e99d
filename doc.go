// Package candor is the domain of Candor: subjects, the closed catalogue
// of what may be recorded, sources, events, scorecards, decisions and the
// errors they return; the services delivery calls (services.go) and the
// store contract the adapters implement (store.go). It imports no
// adapter. docs/architecture.md maps the packages around it and
// docs/charter.md lists the charter points with the tests that enforce
// them.
package candor
