// Package population passes over every subject a store holds, in
// parallel, and computes what only the whole population shows: grade
// migration matrices between two scorecard versions and grade
// distributions. It returns counts only, never anything about one
// subject.
package population
