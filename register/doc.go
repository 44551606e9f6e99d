// Package register is the public company register (candor.Register):
// each organisation's current grade under the candor.RegisterScorecard,
// from the matches stored with its events, for anyone to look up by its
// company registration number. A person is never in it, and the register
// answers a person's number, a malformed number and one nobody has
// alike. It records no access: what it shows is public. The JSON API and
// the portal both serve it through this one service.
package register
