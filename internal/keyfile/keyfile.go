package keyfile

import (
	"fmt"
	"io"
	"os"
)

// Read returns the contents of the key file at path. It refuses a file
// whose mode lets its group or others read it, naming the mode and the
// fix. A missing file is an error that errors.Is fs.ErrNotExist.
func Read(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: mode %v lets others read it; chmod 600 it", path, fi.Mode().Perm())
	}
	return io.ReadAll(io.LimitReader(f, maxKeyFile))
}

// maxKeyFile bounds what Read reads: a key file is a line or a PEM block.
const maxKeyFile = 64 << 10
