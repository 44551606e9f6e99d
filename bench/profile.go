package bench

import "time"

// StartCPUProfile starts a CPU profile of the whole process into path, if
// path is set, and returns the function that stops it and closes the file
// (candor demo --cpuprofile).
func StartCPUProfile(path string) (stop func(), err error) { return startCPUProfile(path) }

// ProcessCPU returns the CPU time, user and system, the process used so
// far (the demo's phases).
func ProcessCPU() time.Duration { return processCPU() }
