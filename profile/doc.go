// Package profile reads subjects' profiles (candor.Profiles) for the JSON
// API and the portal: a subject and its identifiers, its facts, its scores
// at any instant, who read its data, and the transparency log's proofs of
// its facts and access records. It opens sealed data with the subject's
// key, which never leaves the package, and records nothing: delivery
// records each read (candor.AccessRecorder) before it discloses a byte.
package profile
