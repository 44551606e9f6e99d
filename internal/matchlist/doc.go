// Package matchlist encodes the matches an event is stored with inside the
// event's own record (pebble's value, PostgreSQL's column), rather than as
// a record each: for each match, its scorecard key (8 bytes, big-endian),
// then the length of its sealed bytes (uvarint, canonical) and those
// bytes. Their subject, time, event and state are the event's.
package matchlist
