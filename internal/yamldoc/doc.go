// Package yamldoc reads one YAML document of outside input (the catalogue,
// scorecards) strictly: valid UTF-8, exactly one document, no aliases, and
// never a panic, whatever the input.
package yamldoc
