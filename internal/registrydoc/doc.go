// Package registrydoc encodes sources and API keys as the JSON documents the
// stores keep them in, in versioned shapes of their own so that a renamed
// Go field does not change the format. Pebble and PostgreSQL store the same
// documents; what reads one back treats it as outside input (an operator
// with the data dir may have written it) and refuses anything but a whole,
// well-formed version-1 document.
package registrydoc
