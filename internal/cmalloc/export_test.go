package cmalloc

// Touch and Glibc for the tests.
var Touch = touch

var Glibc = cgoGlibc
