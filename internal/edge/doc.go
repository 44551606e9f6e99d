// Package edge is what stands between the network and Candor's handlers:
// the client address behind trusted proxies, one log line per request, and
// a TLS certificate that can be reloaded without a restart.
package edge
