//go:build race

package decisions

// raceEnabled: the race detector adds allocations of its own to some
// functions, so allocation counts are checked without it.
const raceEnabled = true
