// Package ratelimit limits requests per client address: the public
// company register is open to anyone, so each address gets a steady rate
// and a burst, whether it asks the JSON API or the portal.
package ratelimit
