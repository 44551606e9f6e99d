// Package app assembles Candor from one typed, validated Config: it opens
// an installation (the store, PostgreSQL or Pebble; the vault and its
// master key; the catalogue), and starts and stops a node (Start, then
// Node.Wait or Node.Close): the services wired over the installation, the
// JSON API and the portal, the ingestion pipeline, the transparency log,
// NATS ingestion, and the periodic jobs under the lease that makes one of
// several nodes sharing a store run them. It also activates approved
// scorecard versions and materialises their matches.
//
// Every setting is one row of one table (Settings): a flag, the CANDOR_*
// variable that sets it, and the Config field it fills. A command
// registers the groups of settings it takes (Register) and parses the
// variables and its command line (ParseFlags); a variable's value goes
// through its flag's parser, and Config.Validate checks what parsing
// cannot. A bad value is an error naming the flag and the variable, never
// a silent default. Open and Start check the settings they use again.
//
// cmd/candor is the command line over this package; delivery (httpapi,
// ui) never imports it: it is what wires delivery to the services.
package app
