// Command candor runs Candor: the server, the demo, imports, source and key
// administration, and benchmarks. Run "candor help" for the subcommands.
package main
