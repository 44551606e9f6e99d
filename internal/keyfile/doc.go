// Package keyfile reads the files that hold Candor's secret keys (the master
// key, the log's signer key, the credential issuer's key) one way: a key
// file that others may read is refused, as ssh refuses one.
package keyfile
