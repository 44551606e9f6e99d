// Package jsonenc appends JSON values to a byte slice exactly as
// encoding/json writes them, without its reflection, for the few hot
// types that are encoded once per request (a decision, its answer).
// Whatever it cannot write quickly (a string with characters to escape,
// a float in exponent form) it hands to encoding/json, so its output is
// always encoding/json's; the tests of each hand-written encoder compare
// the two.
package jsonenc
