package cmalloc

// Touch and Glibc for the tests.
var (
	Touch = touch
	Block = block
	Free  = free
)

var Glibc = cgoGlibc
