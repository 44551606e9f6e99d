package keyfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// Create writes data to a new key file at path, mode 0600 (its directory
// made 0700 if missing), and syncs it. It never replaces a file: an
// existing one is an error that errors.Is fs.ErrExist. A file it could not
// write whole is removed.
func Create(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// maxKeyFile bounds what Read reads: a key file is a line or a PEM block.
const maxKeyFile = 64 << 10
